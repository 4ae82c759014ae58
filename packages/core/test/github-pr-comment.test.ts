import { describe, expect, it } from 'vitest';
import {
  isBranchEnvComment,
  mdCell,
  mdCode,
  mdLink,
  mdText,
  mdUsd,
  PR_COMMENT_MARKER,
  PR_COMMENT_MAX_CHARS,
  renderPrComment,
  type PrCommentInput,
} from '../src/index.js';
import { codeSpans, decode, expectWellFormed, renderGfm, tablesOf } from './gfm.js';

const NOW = new Date('2026-11-22T06:00:00Z');
const base: PrCommentInput = {
  environment: 'feature-new-login',
  branch: 'feature/new-login',
  account: 'development (111111111111)',
  status: 'deployed',
  protected: false,
  ttlHours: 72,
  url: 'https://feature-new-login.dev.example.com',
  costPerHour: 0.0712,
  now: NOW,
  commit: '0123456789abcdef0123',
  runUrl: 'https://github.com/acme/shop/actions/runs/1',
  plan: '#### Resources\n\n| type | count |\n|---|---|\n| AWS::ECS::Service | 1 |',
};

const count = (haystack: string, needle: string) => haystack.split(needle).length - 1;

describe('renderPrComment', () => {
  it('renders status, URL, cost, expiry, commit, run, destroy instructions and the plan', () => {
    const body = renderPrComment(base);
    expect(body.startsWith(PR_COMMENT_MARKER)).toBe(true);
    expect(body).toContain('| Status | ✅ deployed |');
    expect(body).toContain(
      '| URL | [https\\://feature-new-login.dev.example.com](https://feature-new-login.dev.example.com/) |',
    );
    expect(body).toContain(
      '| Cost | about <span>$</span>0.071/h, <span>$</span>1.71/day while it runs (idle, list prices; data transfer and usage not counted) |',
    );
    expect(body).toContain(
      '| Expires | 2026-11-25 06:00 UTC (72 h after the last deploy; push to extend) |',
    );
    expect(body).toContain('| Commit | `0123456789ab` |');
    expect(body).toContain('[workflow run](https://github.com/acme/shop/actions/runs/1)');
    expect(body).toContain(
      'delete the branch (merging with “delete branch” does it; closing this pull request alone keeps the environment until its TTL)',
    );
    expect(body).toContain('`npx branch-env destroy feature/new-login`');
    expect(body).toContain('<details><summary>Plan</summary>');
    expect(body).toContain('| AWS::ECS::Service | 1 |');
    expect(body).toContain('Updated 2026-11-22 06:00 UTC');
  });

  it('is found by its marker, which appears exactly once even when the plan contains it', () => {
    const body = renderPrComment({ ...base, plan: `x ${PR_COMMENT_MARKER} y` });
    expect(count(body, PR_COMMENT_MARKER)).toBe(1);
    expect(isBranchEnvComment(body)).toBe(true);
    expect(isBranchEnvComment('LGTM')).toBe(false);
    expect(isBranchEnvComment(null)).toBe(false);
  });

  it('renders the same input identically (so an unchanged comment is not re-edited)', () => {
    expect(renderPrComment(base)).toBe(renderPrComment({ ...base }));
  });

  it('says a protected environment never expires and needs --force-protected to destroy', () => {
    const body = renderPrComment({
      ...base,
      branch: 'qa1',
      environment: 'qa1',
      protected: true,
      ttlHours: null,
    });
    expect(body).toContain('| Expires | never (protected environment) |');
    expect(body).toContain('`npx branch-env destroy qa1 --force-protected`');
    expect(body).toContain('not destroyed when the pull request closes');
  });

  it('leaves out URL, cost, expiry and destroy instructions once destroyed', () => {
    const body = renderPrComment({ ...base, status: 'destroyed', plan: undefined });
    expect(body).toContain('| Status | 🗑️ destroyed |');
    expect(body).not.toContain('| URL |');
    expect(body).not.toContain('| Expires |');
    expect(body).not.toContain('**Destroy:**');
    expect(body).not.toContain('<details>');
  });

  it('says superseded (not failed) for a cancelled run, without cost or expiry it cannot know', () => {
    const body = renderPrComment({ ...base, status: 'superseded' });
    expect(body).toContain('| Status | ⏭️ superseded: cancelled before it finished');
    expect(body).toContain('| URL | [https');
    expect(body).not.toContain('| Cost |');
    expect(body).not.toContain('| Expires |');
    expect(body).toContain('**Destroy:**');
  });

  it('says the URL comes after the first deploy when it is not known, and omits unknown cost', () => {
    const body = renderPrComment({ ...base, url: null, costPerHour: undefined });
    expect(body).toContain('| URL | known after the first deploy |');
    expect(body).not.toContain('| Cost |');
  });

  it('keeps hostile branch names inside code spans and quotes them for the shell', () => {
    const branch = "feature/a|b`c'd";
    const body = renderPrComment({ ...base, branch });
    expect(body).toContain('| Branch | <code>feature&#47;a&#124;b&#96;c&#39;d</code> |');
    expect(body).toContain("destroy 'feature/a|b`c'\\''d'");
  });

  it('renders on GitHub (GFM) as intended: the cost is not struck through, the table is intact', () => {
    const html = expectWellFormed(renderPrComment(base));
    const [summary] = tablesOf(html);
    const row = (label: string) => summary!.rows.find((r) => r[0] === label)?.[1];
    expect(row('Cost')).toBe(
      'about <span>$</span>0.071/h, <span>$</span>1.71/day while it runs (idle, list prices; data transfer and usage not counted)',
    );
    expect(row('URL')).toBe(
      '<a href="https://feature-new-login.dev.example.com/">https://feature-new-login.dev.example.com</a>',
    );
    expect(row('Branch')).toBe('<code>feature/new-login</code>');
  });

  const hostile = [
    'feature/`tick`',
    'feature/``double``x',
    '`',
    'feature/a|b|c',
    'feature/~strike~ ~$1 ~~x~~',
    'feature/<script>alert(1)</script>',
    'feature/@octocat-and-#123',
    'feature/\u202Egnp.exe',
    'feature/\u05D0\u05D1-rtl-\u2067x\u2069',
    'feature/**bold**_em_',
    'feature/[link](https://evil.example)',
    'feature/$x$ and $y$',
    'feature/a\\|b',
    'feature/&amp;&lt;',
    ' spaced ',
  ];
  it.each(hostile)('renders the hostile branch %j literally (GFM)', (branch) => {
    for (const status of ['deploying', 'deployed', 'failed', 'destroyed', 'superseded'] as const) {
      for (const isProtected of [false, true]) {
        const body = renderPrComment({ ...base, branch, status, protected: isProtected });
        // Every section a status can show, with the branch in the data of each: inert too (in
        // prose a mention is broken by a zero-width space, a URL stays text).
        const full = renderPrComment({
          ...base,
          branch,
          status,
          protected: isProtected,
          figures: { pushToUrlMinutes: 4, cloudFormationMinutes: 2.5, resources: 3, stacks: 1 },
          failure: { stack: 's', logicalId: branch, type: 'AWS::S3::Bucket', reason: branch },
          ended: { at: NOW, reason: `the branch ${branch} was deleted` },
          diff: {
            stacks: [{ stack: 's', changes: [{ change: 'add', logicalId: branch, type: 'X' }] }],
            omitted: 0,
          },
        });
        const fullHtml = expectWellFormed(full).replace(/<code>[\s\S]*?<\/code>/g, '');
        expect(fullHtml).not.toContain('@octocat');
        expect(fullHtml).not.toMatch(/href="[^"]*evil/);
        expect(fullHtml).not.toMatch(/<(script|img)\b/);
        const html = expectWellFormed(body);
        const shown = branch.replace(
          /[\u202A-\u202E\u2066-\u2069]/gu,
          (c) => `U+${c.codePointAt(0)!.toString(16).toUpperCase()}`,
        );
        const [summary] = tablesOf(html);
        const cell = summary!.rows.find((r) => r[0] === 'Branch')![1]!;
        expect(cell).toMatch(/^<code>[\s\S]*<\/code>$/);
        expect(codeSpans(cell)).toEqual([shown]);
        // No mention, link or tag from the branch outside code spans.
        const outside = html.replace(/<code>[\s\S]*?<\/code>/g, '');
        expect(outside).not.toContain('octocat');
        expect(outside).not.toContain('evil.example');
        if (status !== 'destroyed') {
          const destroy = codeSpans(html).find((c) => c.startsWith('npx branch-env destroy '));
          expect(destroy).toBeDefined();
          expect(destroy).toContain(shown.trim() === '' ? 'destroy' : shown.replace(/'/g, `'\\''`));
        }
      }
    }
  });

  it('truncates a huge plan to stay under GitHub’s comment limit', () => {
    const body = renderPrComment({ ...base, plan: 'x'.repeat(100_000) });
    expect(body.length).toBeLessThanOrEqual(PR_COMMENT_MAX_CHARS);
    expect(body).toContain('plan truncated');
    expect(body.trimEnd().endsWith('</sub>')).toBe(true);
  });
});

describe('GFM helpers', () => {
  it.each([
    ['main', '`main`'],
    ['a`b', '``a`b``'],
    ['`x', '`` `x ``'],
    ['a|b', '<code>a&#124;b</code>'],
    [' a ', '`  a  `'],
    ['', '` `'],
  ])('mdCell(%j) -> %s', (text, code) => expect(mdCell(text)).toBe(code));

  it.each(['a`b', '``', '` x `', 'x``y```z', 'a|b', '<b>', '~~x~~'])(
    'mdCode(%j) renders as exactly that code, in a paragraph and in a table',
    (text) => {
      expect(codeSpans(renderGfm(`x ${mdCode(text)} y`))).toEqual([text]);
      const [table] = tablesOf(renderGfm(`| a | b |\n|---|---|\n| ${mdCell(text)} | z |`));
      expect(table!.rows[0]).toHaveLength(2);
      expect(codeSpans(table!.rows[0]![0]!)).toEqual([text]);
    },
  );

  it.each([
    '~$0.05/h (~$1/day)',
    '**x** _y_ `z` [a](b) <i>t</i> | c \\ d &amp; # h',
    '# heading-like',
    '> quote',
    '- item',
    '1. item',
  ])('mdText(%j) renders as that text, also in a table cell', (text) => {
    const html = renderGfm(mdText(text));
    expect(html).not.toMatch(/<(del|em|strong|code|a|i|h1|blockquote|ul|ol)\b/);
    expect(decode(html.replace(/<\/?p>/g, '').trim())).toBe(text);
    const [table] = tablesOf(renderGfm(`| a | b |\n|---|---|\n| ${mdText(text)} | z |`));
    expect(table!.rows[0]).toHaveLength(2);
    expect(decode(table!.rows[0]![0]!)).toBe(text);
  });

  it('breaks @mentions and #references with a zero-width space, shows bidi controls', () => {
    expect(decode(renderGfm(mdText('@octocat #12')))).toContain('@\u200Boctocat #\u200B12');
    expect(decode(renderGfm(mdText('a\u202Eb')))).toBe('<p>aU+202Eb</p>');
    expect(mdCode('a\u2066b')).toBe('`aU+2066b`');
  });

  it('links only http(s) URLs and keeps the destination in one piece', () => {
    expect(mdLink('https://x.example/a b|(c)', 'run')).toBe(
      '[run](https://x.example/a%20b%7C%28c%29)',
    );
    expect(mdLink('javascript:alert(1)')).toBe('`javascript:alert(1)`');
    expect(mdLink('not a url')).toBe('`not a url`');
  });

  it('writes dollar amounts that GitHub does not read as math', () => {
    expect(mdUsd(0.0712)).toBe('<span>$</span>0.071');
    expect(mdUsd(1.5, 2)).toBe('<span>$</span>1.50');
  });
});
