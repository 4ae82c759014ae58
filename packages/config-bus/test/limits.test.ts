import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { SSM_LIMITS, keyProblems, valueProblems } from '@branch-env/config-bus';

const prefix = '/branch-env-demo/feature-new-login/';

describe('keys under the environment prefix', () => {
  it.each([
    ['payment/service-url', []],
    ['experiments/e1/results', []],
    ['', ['is empty']],
    ['/other-env/x', ['starts with /']],
    ['a/', ['ends with /']],
    ['a//b', ['empty level']],
    ['../sandbox/api/service-url', ["'..' level"]],
    ['a/./b', ["'..' level"]],
    ['a b', ['characters SSM rejects']],
    ['naïve', ['characters SSM rejects']],
  ])('%j -> %j', (key, expected) => {
    const problems = keyProblems(prefix, key);
    expect(problems).toHaveLength(expected.length);
    for (const [i, fragment] of expected.entries()) expect(problems[i]).toContain(fragment);
  });

  it('rejects a 16th level and accepts the 15th', () => {
    const thirteen = Array.from({ length: 13 }, (_, i) => `l${i}`).join('/');
    expect(keyProblems(prefix, thirteen)).toEqual([]); // 2 + 13 = 15 levels
    expect(keyProblems(prefix, `${thirteen}/x`)).toEqual([
      'makes a parameter name of 16 levels; SSM allows 15',
    ]);
  });

  it('rejects a name longer than 1011 characters and accepts exactly 1011', () => {
    const room = SSM_LIMITS.nameLength - prefix.length;
    expect(keyProblems(prefix, 'k'.repeat(room))).toEqual([]);
    expect(keyProblems(prefix, 'k'.repeat(room + 1))[0]).toContain('1012 characters');
  });

  it("rejects names SSM reserves ('aws', 'ssm' first)", () => {
    expect(keyProblems('/awsome/env/', 'k')[0]).toContain("starting with 'aws' or 'ssm'");
  });

  it('accepts any key of valid levels within the limits (property)', () => {
    const level = fc
      .stringMatching(/^[a-zA-Z0-9_-][a-zA-Z0-9_.-]{0,20}$/)
      .filter((s) => s !== '.' && s !== '..');
    fc.assert(
      fc.property(fc.array(level, { minLength: 1, maxLength: 13 }), (levels) => {
        expect(keyProblems(prefix, levels.join('/'))).toEqual([]);
      }),
    );
  });

  it('never accepts a key with a .. level, wherever it is (property)', () => {
    const level = fc.stringMatching(/^[a-z0-9-]{1,8}$/);
    fc.assert(
      fc.property(fc.array(level, { maxLength: 5 }), fc.nat(5), (levels, at) => {
        const parts = [...levels];
        parts.splice(Math.min(at, parts.length), 0, '..');
        expect(keyProblems(prefix, parts.join('/')).length).toBeGreaterThan(0);
      }),
    );
  });
});

describe('values', () => {
  it('accepts 4096 bytes and rejects 4097, counting UTF-8 bytes', () => {
    expect(valueProblems('x'.repeat(4096))).toEqual([]);
    expect(valueProblems('x'.repeat(4097))[0]).toContain('4097 bytes');
    expect(valueProblems('é'.repeat(2049))[0]).toContain('4098 bytes');
    expect(valueProblems('')[0]).toContain('empty');
  });
});
