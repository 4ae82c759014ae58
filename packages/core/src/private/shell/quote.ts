/**
 * The one shell-quoting helper. Every command branch-env prints for a person to paste (CLI hints,
 * workflow annotations, sync issues, the pull request comment) quotes each word with it, so no
 * branch name, file name or other untrusted value is ever run as code.
 */

/**
 * Words that need no quotes in sh, bash, dash or zsh: letters, digits and `_ . / @ % + : , - =`,
 * not starting with `=` (zsh expands `=cmd` to a path). Anything else is single-quoted.
 */
const PLAIN_WORD = /^[A-Za-z0-9_./@%+:,-][A-Za-z0-9_./@%+=:,-]*$/;

/**
 * POSIX single-quote quoting: the result, pasted into a POSIX shell (or bash, zsh), is exactly one
 * word equal to `s`, whatever `s` holds (`$( )`, backticks, `'`, `${IFS}`, `;`, `|`, newlines,
 * unicode). Inside single quotes nothing is special; a `'` is written as `'\''`.
 */
export function shellQuote(s: string): string {
  return PLAIN_WORD.test(s) ? s : `'${s.replace(/'/g, `'\\''`)}'`;
}

/** A command line of `words`, each quoted with {@link shellQuote}. */
export function shellCommand(words: readonly string[]): string {
  return words.map(shellQuote).join(' ');
}
