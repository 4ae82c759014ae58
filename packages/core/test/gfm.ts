import { micromark } from 'micromark';
import { gfm, gfmHtml } from 'micromark-extension-gfm';
import { expect } from 'vitest';

/**
 * Renders Markdown the way github.com does for comments (GFM: tables, strikethrough, autolinks,
 * raw HTML such as `<details>` allowed) and reads back what a reader would see. Shared by the
 * comment and `plan --markdown` tests.
 */
export function renderGfm(markdown: string): string {
  return micromark(markdown, {
    allowDangerousHtml: true,
    extensions: [gfm()],
    htmlExtensions: [gfmHtml()],
  });
}

/** HTML text back to the characters it shows (micromark encodes these four). */
export function decode(html: string): string {
  return html
    .replace(/&lt;/g, '<')
    .replace(/&gt;/g, '>')
    .replace(/&quot;/g, '"')
    .replace(/&amp;/g, '&');
}

export interface RenderedTable {
  readonly header: readonly string[];
  readonly rows: readonly (readonly string[])[];
}

/** Every table of the rendered HTML, cells as their inner HTML. */
export function tablesOf(html: string): RenderedTable[] {
  return [...html.matchAll(/<table>([\s\S]*?)<\/table>/g)].map(([, table]) => {
    const cells = (row: string, tag: 'th' | 'td') =>
      [...row.matchAll(new RegExp(`<${tag}(?:\\s[^>]*)?>([\\s\\S]*?)</${tag}>`, 'g'))].map(
        (m) => m[1]!,
      );
    const [head = '', body = ''] = table!.split('</thead>');
    return {
      header: cells(head, 'th'),
      rows: [...body.matchAll(/<tr>([\s\S]*?)<\/tr>/g)].map((m) => cells(m[1]!, 'td')),
    };
  });
}

/** The text inside each `<code>` element, decoded. */
export function codeSpans(html: string): string[] {
  return [...html.matchAll(/<code>([\s\S]*?)<\/code>/g)].map((m) => decode(m[1]!));
}

/**
 * What must hold for any comment or plan we render: no strikethrough, emphasis, heading or link we
 * did not write, no raw tag from data, every table row as wide as its header, no bidi control
 * in the output.
 */
export function expectWellFormed(markdown: string, html = renderGfm(markdown)): string {
  expect(html).not.toContain('<del>');
  expect(html).not.toMatch(/<(script|img|iframe|style)\b/i);
  expect(html).not.toMatch(/[\u202A-\u202E\u2066-\u2069]/u);
  for (const table of tablesOf(html)) {
    expect(table.header.length).toBeGreaterThan(0);
    for (const row of table.rows) expect(row).toHaveLength(table.header.length);
  }
  return html;
}
