import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { BranchError, NoRouteError, resolveEnvironment, type UserError } from '../src/index.js';
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
        // "no rule matches" is the one documented outcome of an unrouted branch; "error" is a ref
        // that is no branch. Each row names its kind, and what it quotes is in the message or fix.
        const kind = form.startsWith('no rule matches')
          ? NoRouteError
          : form.startsWith('error')
            ? BranchError
            : undefined;
        expect(kind, `the form '${form}' names no outcome`).toBeDefined();
        let error: unknown;
        try {
          resolveEnvironment(branch, config);
        } catch (e) {
          error = e;
        }
        expect(error).toBeInstanceOf(kind);
        const { message, fix } = error as UserError;
        if (kind === NoRouteError) expect(message).toMatch(/ matches no routing rule/);
        for (const [, quoted] of form.matchAll(/`([^`]+)`/g))
          expect(`${message}\n${fix}`).toContain(quoted);
        return;
      }
      const env = resolveEnvironment(branch, config);
      expect(env.name).toBe(name);
      const reason = 'reason' in env.naming && env.naming.reason ? ` (${env.naming.reason})` : '';
      expect(form.startsWith(`${env.naming.form}${reason}`)).toBe(true);
    },
  );
});
