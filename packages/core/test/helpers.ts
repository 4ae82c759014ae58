import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { parseConfig, type Config, type ConfigInput } from '../src/index.js';

export const ROOT = fileURLToPath(new URL('../../../', import.meta.url));

/** The repository's own config as written (input form), for tests that mutate a copy. */
function repoConfigInput(): ConfigInput {
  return JSON.parse(readFileSync(`${ROOT}branch-env.config.json`, 'utf8')) as ConfigInput;
}

export function repoConfig(): Config {
  return parseConfig(repoConfigInput());
}

/** A deep copy of the repository config, edited by `edit`, unparsed. */
export function editedConfig(edit: (c: Record<string, any>) => void): unknown {
  const copy = structuredClone(repoConfigInput()) as Record<string, any>;
  edit(copy);
  return copy;
}
