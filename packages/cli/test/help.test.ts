import { spawn } from 'node:child_process';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { COMMANDS } from '../src/cli.js';
import { COMMON_OPTIONS } from '../src/private/command.js';
import { EXAMPLES, FLAG_HELP } from '../src/private/help.js';

/**
 * `--help` at every level, generated from the command table: the top, every command, every group
 * of subcommands, each with `--help` and `-h`, run as processes the way a user starts them.
 */
const ROOT = fileURLToPath(new URL('../../..', import.meta.url));
const BIN = join(ROOT, 'packages', 'cli', 'bin', 'branch-env.js');

function cli(args: string[]) {
  return new Promise<{ code: number | null; stdout: string; stderr: string }>((done) => {
    const child = spawn(process.execPath, [BIN, ...args], {
      cwd: tmpdir(), // help needs no config file
      env: { PATH: process.env.PATH ?? '', HOME: tmpdir() },
    });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (d: Buffer) => (stdout += d.toString()));
    child.stderr.on('data', (d: Buffer) => (stderr += d.toString()));
    child.on('close', (code) => done({ code, stdout, stderr }));
  });
}

const groups = [...new Set(COMMANDS.filter((c) => c.words.length > 1).map((c) => c.words[0]!))];

describe('--help at every level', () => {
  it('documents every flag of every command and has an example for each', () => {
    for (const c of COMMANDS) {
      for (const flag of Object.keys({ ...c.options, ...COMMON_OPTIONS }))
        expect(FLAG_HELP[flag]?.text, `${c.words.join(' ')} --${flag}`).toBeTruthy();
      expect(EXAMPLES[c.words.join(' ')], c.words.join(' ')).toMatch(
        new RegExp(`^(.*\\| )?branch-env ${c.words.join(' ')}\\b`),
      );
    }
  });

  it.each([['--help'], ['-h'], ['help']])('top level %s: exit 0, every command', async (flag) => {
    const r = await cli([flag]);
    expect(r.code).toBe(0);
    for (const c of COMMANDS) expect(r.stdout).toContain(`branch-env ${c.words.join(' ')} `);
  });

  it.each(
    COMMANDS.flatMap((c) => [
      [c.words.join(' '), '--help'],
      [c.words.join(' '), '-h'],
    ]),
  )(
    '%s %s: exit 0 with usage, every flag, defaults and an example',
    async (words, flag) => {
      const spec = COMMANDS.find((c) => c.words.join(' ') === words)!;
      const r = await cli([...spec.words, flag]);
      expect(r.stderr).toBe('');
      expect(r.code).toBe(0);
      expect(r.stdout).toContain(`usage: branch-env ${words} `);
      for (const option of Object.keys({ ...spec.options, ...COMMON_OPTIONS }))
        expect(r.stdout).toContain(`--${option}`);
      expect(r.stdout).toContain(`example:\n  ${EXAMPLES[words]}`);
      expect(r.stdout).toContain('(default: ');
    },
    20_000,
  );

  it('has groups to test', () => {
    expect(groups).toEqual(expect.arrayContaining(['config', 'experiment']));
  });

  it.each(
    groups.flatMap((g) => [
      [g, '--help'],
      [g, '-h'],
    ]),
  )('group %s %s: exit 0 with its subcommands', async (group, flag) => {
    const r = await cli([group, flag]);
    expect(r.code).toBe(0);
    for (const c of COMMANDS.filter((x) => x.words[0] === group))
      expect(r.stdout).toContain(`branch-env ${c.words.join(' ')} `);
  });

  it('a bare group is a usage error (exit 1) that lists its subcommands on stderr', async () => {
    const r = await cli(['experiment']);
    expect(r.code).toBe(1);
    expect(r.stderr).toContain('branch-env experiment start');
  });
});
