/**
 * The one home for GitHub-flavoured Markdown (GFM) escaping: every dynamic value that goes into
 * a pull-request comment or a `plan --markdown` document passes through one of these, so a branch
 * name, a reason or a resource id renders as the literal text it is, never as markup.
 *
 * Hazards handled (GFM spec 0.29 and github.com behaviour):
 * - `~x~` and `~~x~~` are strikethrough, `*`/`_` emphasis, `[..](..)` links, `<..>` raw HTML or
 *   autolinks, `` ` `` code spans, `|` table cells, `\` escapes, `&..;` entities: backslash-escaped
 *   wherever they are; `#`, `>`, `-`, `+`, `=`, `1.` only where the text starts (a line); `://`
 *   and `www.` so that data does not become a link.
 * - `@user` and `#123` are linked (and notify) by github.com after rendering, whatever the
 *   escaping: a zero-width space after `@`/`#` stops it.
 * - `$..$` is inline math on github.com and a backslash does not escape it there; GitHub's own
 *   advice is `<span>$</span>` ({@link mdUsd}).
 * - bidirectional controls (RTL override, isolates) reorder what a reader sees: they are shown
 *   as their code points instead.
 * - line breaks end a table row: replaced by a space.
 */

/** Bidirectional formatting characters (Trojan Source, CVE-2021-42574). */
const BIDI = /[\u061C\u200E\u200F\u202A-\u202E\u2066-\u2069]/gu;

function visible(text: string): string {
  return text
    .replace(/\r\n|[\r\n\u2028\u2029]/g, ' ')
    .replace(BIDI, (c) => `U+${c.codePointAt(0)!.toString(16).toUpperCase().padStart(4, '0')}`);
}

/** Plain text in Markdown: inline or in a table cell, renders exactly as `text`. */
export function mdText(text: string): string {
  return (
    visible(text)
      // Inline markup anywhere: escapes, code, emphasis, strikethrough, links and images, HTML,
      // entities, table cells, math.
      .replace(/[\\`*_~[\]<>|&$!]/g, (c) => `\\${c}`)
      // Block markup where the text starts a line: heading, quote, list, setext, thematic break.
      .replace(/^(\s*)([#>+=-])/, '$1\\$2')
      .replace(/^(\s*\d+)([.)])/, '$1\\$2')
      // Autolink literals (`https://…`, `www.…`) from data stay text.
      .replace(/:(?=\/\/)/g, '\\:')
      .replace(/\b(www)\./gi, '$1\\.')
      .replace(/([@#])(?=[\p{L}\p{N}_-])/gu, '$1&#8203;')
  );
}

/**
 * Text of our own (reasons, notes, sources) whose http(s) URLs become links: {@link mdText} for
 * the text, {@link mdLink} for each URL (a trailing `.`, `,`, `;` or `:` stays text).
 */
export function mdTextWithLinks(text: string): string {
  const parts = visible(text).split(/(https?:\/\/[^\s<>()|`]+[^\s<>()|`.,;:])/);
  return parts.map((part, i) => (i % 2 === 1 ? mdLink(part) : mdText(part))).join('');
}

export interface CodeOptions {
  /**
   * The span sits in a GFM table cell, which GFM splits at `|` before it parses code spans: text
   * with a pipe is written as a `<code>` element with character references instead.
   * @default false
   */
  readonly inTable?: boolean;
}

/**
 * A code span that shows `text` literally, whatever it contains: the fence is one backtick
 * longer than the longest run of backticks inside, padded with a space when the text starts or
 * ends with a backtick or a space (CommonMark strips one space from each side).
 */
export function mdCode(text: string, options: CodeOptions = {}): string {
  const body = visible(text);
  if (body === '') return '` `';
  // GFM implementations disagree on `\\|` in a cell: a `<code>` element whose punctuation is
  // written as character references has no pipe or backtick for any of them to misread.
  if (options.inTable && body.includes('|')) {
    return `<code>${body.replace(/[!-/:-@[-`{-~]/g, (c) => `&#${c.charCodeAt(0)};`)}</code>`;
  }
  const longest = Math.max(0, ...[...body.matchAll(/`+/g)].map((m) => m[0].length));
  const fence = '`'.repeat(longest + 1);
  const pad = /^[` ]|[` ]$/.test(body) && !/^ +$/.test(body) ? ' ' : '';
  return `${fence}${pad}${body}${pad}${fence}`;
}

/**
 * A fenced code block that shows `lines` literally (log lines, say): its fence is longer than any
 * run of backticks inside, so no line can close it; bidirectional controls are shown as their code
 * points. Nothing inside a code block is markup, a link or a mention.
 */
export function mdCodeBlock(lines: readonly string[]): string {
  const body = lines.map((l) => visible(l));
  const longest = Math.max(
    0,
    ...body.flatMap((l) => [...l.matchAll(/`+/g)].map((m) => m[0].length)),
  );
  const fence = '`'.repeat(Math.max(3, longest + 1));
  return [fence, ...body, fence].join('\n');
}

/** A code span inside a GFM table cell (see {@link CodeOptions.inTable}). */
export function mdCell(text: string): string {
  return mdCode(text, { inTable: true });
}

/**
 * A link to an http(s) URL with `text` as its label (the URL itself by default). Characters that
 * would end the destination or a table cell are percent-encoded; anything that is not an http(s)
 * URL is shown as code, not linked.
 */
export function mdLink(url: string, text: string = url): string {
  let href: string;
  try {
    const parsed = new URL(url);
    if (parsed.protocol !== 'https:' && parsed.protocol !== 'http:') return mdCell(url);
    href = parsed.href;
  } catch {
    return mdCell(url);
  }
  href = href.replace(
    /[()|<>`\\ "'*_~[\]]/g,
    (c) => `%${c.charCodeAt(0).toString(16).toUpperCase()}`,
  );
  return `[${mdText(text)}](${href})`;
}

/**
 * A dollar amount that github.com does not take for a `$..$` math delimiter (two amounts on one
 * line would otherwise render as a formula). GitHub documents `<span>$</span>` for this.
 */
export function mdUsd(amount: number, digits = 3): string {
  return `<span>$</span>${amount.toFixed(digits)}`;
}
