/**
 * Branch patterns of routing rules. Globs like GitHub Actions' branch filters: `*` matches any
 * characters except `/`, `**` any characters including `/`, `[...]` a character class; unlike
 * them, `?` is one character except `/` (shell-style, not "previous character optional"). A pattern written `/.../` is a regular expression (Unicode mode),
 * matched against the whole branch.
 */
export interface BranchPattern {
  readonly source: string;
  readonly regex: RegExp;
}

/** Compile a pattern; throws an Error with the reason when it is malformed. */
export function compilePattern(source: string): BranchPattern {
  if (source.length >= 2 && source.startsWith('/') && source.endsWith('/')) {
    return { source, regex: new RegExp(`^(?:${source.slice(1, -1)})$`, 'u') };
  }
  let re = '';
  for (let i = 0; i < source.length; i++) {
    const c = source[i] as string;
    if (c === '*') {
      if (source[i + 1] === '*') {
        re += '.*';
        i++;
      } else re += '[^/]*';
    } else if (c === '?') {
      re += '[^/]';
    } else if (c === '[') {
      const end = source.indexOf(']', i + 2);
      if (end === -1) throw new Error(`unclosed [ at position ${i}`);
      const body = source.slice(i + 1, end);
      if (!/^!?[\p{L}\p{N}_-]+$/u.test(body))
        throw new Error(`character class [${body}] is not of the form [a-z0-9]`);
      re += `[${body.startsWith('!') ? `^${body.slice(1)}` : body}]`;
      i = end;
    } else {
      re += c.replace(/[.+^${}()|\\\]]/g, '\\$&');
    }
  }
  return { source, regex: new RegExp(`^${re}$`, 'u') };
}

export function matches(pattern: BranchPattern, branch: string): boolean {
  return pattern.regex.test(branch);
}
