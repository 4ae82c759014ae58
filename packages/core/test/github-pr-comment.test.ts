import { describe, expect, it } from 'vitest';
import {
  inlineCode,
  isBranchEnvComment,
  PR_COMMENT_MARKER,
  PR_COMMENT_MAX_CHARS,
  renderPrComment,
  type PrCommentInput,
} from '../src/index.js';

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
    expect(body).toContain('| URL | <https://feature-new-login.dev.example.com> |');
    expect(body).toContain('| Cost | ~$0.071/h (~$1.71/day while it runs) |');
    expect(body).toContain(
      '| Expires | 2026-11-25 06:00 UTC (72 h after the last deploy; push to extend) |',
    );
    expect(body).toContain('| Commit | `0123456789ab` |');
    expect(body).toContain('[workflow run](https://github.com/acme/shop/actions/runs/1)');
    expect(body).toContain('close this pull request or delete the branch');
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
    expect(body).toContain('| URL | <https://feature-new-login.dev.example.com> |');
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
    expect(body).toContain("| Branch | ``feature/a\\|b`c'd`` |");
    expect(body).toContain("destroy 'feature/a|b`c'\\''d'");
  });

  it('truncates a huge plan to stay under GitHub’s comment limit', () => {
    const body = renderPrComment({ ...base, plan: 'x'.repeat(100_000) });
    expect(body.length).toBeLessThanOrEqual(PR_COMMENT_MAX_CHARS);
    expect(body).toContain('plan truncated');
    expect(body.trimEnd().endsWith('</sub>')).toBe(true);
  });
});

describe('inlineCode', () => {
  it.each([
    ['main', '`main`'],
    ['a`b', '``a`b``'],
    ['`x', '`` `x ``'],
    ['a|b', '`a\\|b`'],
  ])('%s -> %s', (text, code) => expect(inlineCode(text)).toBe(code));
});
