import {
  chmodSync,
  existsSync,
  mkdirSync,
  mkdtempSync,
  readFileSync,
  writeFileSync,
} from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

/**
 * A scratch directory with `bin/` of stand-in commands (each appends its argv as a JSON line to
 * `calls.jsonl`, then runs its extra body, if any) and an empty working directory `cwd/`. Put
 * `bin` first on PATH to run a workflow script against them.
 */
export function standInCommands(
  prefix: string,
  names: readonly string[],
  bodies: Readonly<Record<string, string>> = {},
) {
  const dir = mkdtempSync(join(tmpdir(), prefix));
  const bin = join(dir, 'bin');
  const cwd = join(dir, 'cwd');
  mkdirSync(bin);
  mkdirSync(cwd);
  const log = join(dir, 'calls.jsonl');
  for (const name of names) {
    writeFileSync(
      join(bin, name),
      [
        '#!/usr/bin/env node',
        `require('node:fs').appendFileSync(${JSON.stringify(log)}, JSON.stringify([${JSON.stringify(name)}, ...process.argv.slice(2)]) + '\\n');`,
        bodies[name] ?? '',
      ].join('\n'),
    );
    chmodSync(join(bin, name), 0o755);
  }
  return {
    dir,
    bin,
    cwd,
    /** Every call so far, as argv arrays with the command's name first. */
    calls: (): string[][] =>
      existsSync(log)
        ? readFileSync(log, 'utf8')
            .trim()
            .split('\n')
            .filter(Boolean)
            .map((l) => JSON.parse(l) as string[])
        : [],
  };
}
