import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { resolveEnvironment } from '../src/index.js';
import { repoConfig, ROOT } from './helpers.js';

const config = repoConfig();
const doc = readFileSync(`${ROOT}docs/naming.md`, 'utf8');
const examples = doc
  .slice(doc.indexOf('## Examples'))
  .split('\n')
  .map((line) => /^\| `([^`]+)` \| (?:`([^`]+)`|—) \| (.+) \|$/.exec(line))
  .filter((m): m is RegExpExecArray => m !== null);

describe('docs/naming.md examples', () => {
  it('has the examples the contract promises: plain, fixed, hashed, shortened, would-collide, rejected', () => {
    const forms = examples.map((m) => m[3] ?? '');
    for (const needed of [
      'plain',
      'fixed',
      'hashed (not-plain)',
      'hashed (too-long)',
      'would collide',
      'no rule matches',
      'error',
    ]) {
      expect(
        forms.some((f) => f.includes(needed)),
        needed,
      ).toBe(true);
    }
  });

  it.each(examples.map((m) => [m[1] ?? '', m[2], m[3] ?? ''] as const))(
    '%s resolves as documented',
    (branch, name, form) => {
      if (name === undefined) {
        expect(() => resolveEnvironment(branch, config)).toThrow();
        return;
      }
      const env = resolveEnvironment(branch, config);
      expect(env.name).toBe(name);
      const reason = 'reason' in env.naming && env.naming.reason ? ` (${env.naming.reason})` : '';
      expect(form.startsWith(`${env.naming.form}${reason}`)).toBe(true);
    },
  );
});
