import { readFileSync } from 'node:fs';
import { homedir } from 'node:os';
import { join } from 'node:path';

/** Section names of an AWS ini file ("[profile x]" in config, "[x]" in credentials); none if unreadable. */
function sections(file: string): string[] {
  let text: string;
  try {
    text = readFileSync(file, 'utf8');
  } catch {
    return [];
  }
  return [...text.matchAll(/^\s*\[([^\]]+)\]/gm)].map((m) => m[1]!.trim());
}

/**
 * The profile AWS_PROFILE names when neither the shared config file nor the credentials file
 * (AWS_CONFIG_FILE / AWS_SHARED_CREDENTIALS_FILE, default ~/.aws/config and ~/.aws/credentials)
 * has it; `undefined` when AWS_PROFILE is unset or the profile exists. The SDK's credential chain
 * only says "Could not load credentials from any providers" in that case.
 */
export function unconfiguredProfile(env: NodeJS.ProcessEnv = process.env): string | undefined {
  const profile = env.AWS_PROFILE?.trim();
  if (!profile) return undefined;
  const home = env.HOME ?? env.USERPROFILE ?? homedir();
  const config = env.AWS_CONFIG_FILE ?? join(home, '.aws', 'config');
  const credentials = env.AWS_SHARED_CREDENTIALS_FILE ?? join(home, '.aws', 'credentials');
  const known = new Set([
    ...sections(config).map((s) => s.replace(/^profile\s+/, '')),
    ...sections(credentials),
  ]);
  return known.has(profile) ? undefined : profile;
}
