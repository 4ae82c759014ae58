import { describe, expect, it } from 'vitest';
import { ITEM_LIMITS } from '../../api/src/items/item.js';
import { attachmentBody } from '../../api/src/routes/schemas.js';
import {
  ATTACHMENT_LIMITS,
  ATTACHMENT_PATTERNS,
  attachmentContentType,
  attachmentProblem,
} from '../src/api-client.js';

describe('attachmentProblem (checked before the item is created)', () => {
  it('uses the limits the API enforces', () => {
    expect(ATTACHMENT_LIMITS.maxBytes).toBe(ITEM_LIMITS.attachmentMaxBytes);
    expect(ATTACHMENT_LIMITS.minBytes).toBe(attachmentBody.properties.size.minimum);
    expect(ATTACHMENT_LIMITS.nameMaxLength).toBe(attachmentBody.properties.fileName.maxLength);
    expect(ATTACHMENT_LIMITS.contentTypeMaxLength).toBe(
      attachmentBody.properties.contentType.maxLength,
    );
    expect(ATTACHMENT_PATTERNS).toEqual({
      fileName: attachmentBody.properties.fileName.pattern,
      contentType: attachmentBody.properties.contentType.pattern,
    });
  });

  it.each<[string, { name: string; size: number }, RegExp | undefined]>([
    ['a 1-byte file', { name: 'a.txt', size: 1 }, undefined],
    ['a file of exactly 10 MiB', { name: 'a.bin', size: 10 * 1024 * 1024 }, undefined],
    ['an empty file', { name: 'empty.txt', size: 0 }, /empty\.txt is empty/],
    [
      'a file over 10 MiB',
      { name: 'big.iso', size: 10 * 1024 * 1024 + 1 },
      /big\.iso is 10485761 bytes; an attachment may be at most 10 MiB \(10485760 bytes\)/,
    ],
    ['a 256-character name', { name: `${'x'.repeat(252)}.txt`, size: 5 }, /longer than 255/],
    ['a name with a slash', { name: 'a/b.txt', size: 5 }, /contains \/ or \\ or a control/],
    ['a name with a tab', { name: 'a\tb.txt', size: 5 }, /rename the file/],
    ['a Unicode name', { name: 'résumé 日本.pdf', size: 5 }, undefined],
  ])('%s', (_name, file, problem) => {
    const found = attachmentProblem(file);
    if (problem) expect(found).toMatch(problem);
    else expect(found).toBeUndefined();
  });
});

describe('attachmentContentType (what the API accepts as contentType)', () => {
  it.each([
    ['text/plain', 'text/plain'],
    ['text/plain;charset=utf-8', 'text/plain'],
    [
      'application/vnd.ms-excel.sheet.macroEnabled.12',
      'application/vnd.ms-excel.sheet.macroenabled.12',
    ],
    ['', 'application/octet-stream'],
    ['not a type', 'application/octet-stream'],
    [`application/${'x'.repeat(100)}`, 'application/octet-stream'],
  ])('%j -> %s', (browserType, sent) => {
    expect(attachmentContentType(browserType)).toBe(sent);
    expect(new RegExp(attachmentBody.properties.contentType.pattern).test(sent)).toBe(true);
  });
});
