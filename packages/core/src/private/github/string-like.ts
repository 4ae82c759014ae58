/**
 * IAM `StringLike` semantics, so the trust conditions branch-env generates can be evaluated (and
 * tested) without AWS: case-sensitive, `*` matches any sequence of characters (including `/` and
 * the empty string), `?` exactly one character (including `/`), everything else literally. The
 * policy variable escapes `${*}`, `${?}` and `${$}` stand for the literal character.
 * https://docs.aws.amazon.com/IAM/latest/UserGuide/reference_policies_elements_condition_operators.html#Conditions_String
 */
export function stringLikeMatches(pattern: string, value: string): boolean {
  let re = '';
  for (let i = 0; i < pattern.length; i++) {
    const escape = /^\$\{([*?$])\}/.exec(pattern.slice(i));
    if (escape) {
      re += (escape[1] as string).replace(/[*?$]/, '\\$&');
      i += escape[0].length - 1;
      continue;
    }
    const c = pattern[i] as string;
    if (c === '*') re += '[\\s\\S]*';
    else if (c === '?') re += '[\\s\\S]';
    else re += c.replace(/[.+^${}()|[\]\\]/g, '\\$&');
  }
  return new RegExp(`^${re}$`, 'u').test(value);
}

/** True when any of `patterns` matches `value` (how IAM evaluates a multi-valued StringLike). */
export function stringLikeAny(patterns: readonly string[], value: string): boolean {
  return patterns.some((p) => stringLikeMatches(p, value));
}

/** Escape the characters IAM would read as wildcards or policy variables. */
export function escapeStringLike(literal: string): string {
  return literal.replace(/[*?$]/g, (c) => `\${${c}}`);
}
