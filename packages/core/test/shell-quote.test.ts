import { spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { destroyCommand, shellCommand, shellQuote } from '../src/index.js';

/** Shells the quoting must hold in: POSIX sh (dash here) and bash; zsh when installed. */
const SHELLS = ['sh', 'bash', 'zsh'].filter(
  (s) => spawnSync('sh', ['-c', `command -v ${s}`]).status === 0,
);

/**
 * Run `printf '%s\0' <word> <word> …` in `shell`, each word quoted with shellQuote, in a
 * directory where a marker file would appear if anything executed. Returns the arguments printf
 * received.
 */
function argsSeenBy(shell: string, values: readonly string[]) {
  const dir = mkdtempSync(join(tmpdir(), 'shell-quote-'));
  const script = values.map((v) => `printf '%s\\0' ${shellQuote(v)}`).join('\n');
  const r = spawnSync(shell, ['-c', script], {
    cwd: dir,
    encoding: 'utf8',
    env: { PATH: process.env.PATH, IFS: ' \t\n' },
  });
  expect(r.status, r.stderr).toBe(0);
  return { args: r.stdout.split('\0').slice(0, -1), marker: existsSync(join(dir, 'MARKER')) };
}

const HOSTILE = [
  "qa'$(touch MARKER)'",
  'qa$(touch MARKER)',
  'qa`touch MARKER`',
  'qa${IFS}x',
  'qa;touch MARKER',
  'qa|touch MARKER',
  'qa&&touch MARKER',
  "qa'\\''x",
  'qa\nx',
  'feature/\u202egnp.exe',
  'feature/ⅿain',
  '=touch',
  '~root',
  '*',
  '',
  "'",
  "''",
  '\\',
  '!!',
  '#comment',
  'a b',
];

describe('shellQuote', () => {
  it('leaves plain words alone and quotes everything else', () => {
    expect(shellQuote('feature/new-login')).toBe('feature/new-login');
    expect(shellQuote('origin/main')).toBe('origin/main');
    expect(shellQuote("qa'$(id)'")).toBe(`'qa'\\''$(id)'\\'''`);
    expect(shellQuote('')).toBe("''");
    expect(shellQuote('=x')).toBe("'=x'");
  });

  it.each(SHELLS)('%s receives every hostile value as exactly one argument and runs none', (sh) => {
    const seen = argsSeenBy(sh, HOSTILE);
    expect(seen.marker).toBe(false);
    expect(seen.args).toEqual(HOSTILE);
  });

  it('holds for arbitrary strings (500 generated values, one bash run)', () => {
    const values = fc
      .sample(fc.string({ unit: 'grapheme', maxLength: 30 }), { numRuns: 500, seed: 13 })
      .map((v) => v.replace(/\0/g, ''));
    expect(argsSeenBy('bash', values).args).toEqual(values);
  });

  it('shellCommand quotes each word', () => {
    expect(shellCommand(['git', 'switch', 'qa;x'])).toBe("git switch 'qa;x'");
  });
});

describe('destroyCommand', () => {
  it('names the branch quoted, as an argument the CLI reads back exactly', () => {
    expect(destroyCommand({ branch: 'feature/x', environment: 'feature-x' })).toBe(
      'branch-env destroy feature/x',
    );
    expect(
      destroyCommand({
        branch: "qa'$(id)'",
        environment: 'qa-id--abc',
        forceProtected: true,
        cli: ['npx', 'branch-env'],
      }),
    ).toBe(`npx branch-env destroy 'qa'\\''$(id)'\\''' --force-protected`);
    expect(destroyCommand({ branch: 'refs/heads/main', environment: 'x' })).toBe(
      'branch-env destroy refs/heads/refs/heads/main',
    );
    expect(destroyCommand({ environment: 'qa-1' })).toBe('branch-env destroy qa-1');
  });
});
