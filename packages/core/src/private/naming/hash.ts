import { createHash } from 'node:crypto';

const BASE32 = 'abcdefghijklmnopqrstuvwxyz234567';

/** RFC 4648 base32 (lowercase, unpadded) of the bytes. */
export function base32(bytes: Uint8Array): string {
  let out = '';
  let buffer = 0;
  let bits = 0;
  for (const byte of bytes) {
    buffer = (buffer << 8) | byte;
    bits += 8;
    while (bits >= 5) {
      out += BASE32[(buffer >>> (bits - 5)) & 31];
      bits -= 5;
    }
    buffer &= (1 << bits) - 1;
  }
  if (bits > 0) out += BASE32[(buffer << (5 - bits)) & 31];
  return out;
}

/** Length of the hash in a shortened name: 10 base32 characters = 50 bits of SHA-256. */
export const HASH_LENGTH = 10;

/** Stable hash of the exact branch (UTF-8 bytes): the first 50 bits of SHA-256, base32. */
export function branchHash(branch: string): string {
  return base32(createHash('sha256').update(branch, 'utf8').digest()).slice(0, HASH_LENGTH);
}
