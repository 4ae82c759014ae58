import { describe, expect, it } from 'vitest';
import { ConfigError, parseConfig, type ConfigIssue } from '../src/index.js';
import { registrableDomain } from '../src/private/config/security-checks.js';
import { editedConfig } from './helpers.js';

function issuesOf(raw: unknown): ConfigIssue[] {
  try {
    parseConfig(raw);
    return [];
  } catch (e) {
    expect(e).toBeInstanceOf(ConfigError);
    return [...(e as ConfigError).issues];
  }
}

type Edit = (c: Record<string, any>) => void;

describe('security checks of config check', () => {
  it.each<[string, Edit, string, RegExp]>([
    [
      'a non-production account reusing the production account id',
      (c) => {
        c.accounts.development.id = '222222222222';
        c.accounts.development.deployRoleArn = 'arn:aws:iam::222222222222:role/branch-env-deploy';
      },
      'accounts.development.id',
      /^account 'development' is not production but has the id 222222222222 of production account 'production', .*; use a separate AWS account for 'development'/,
    ],
    [
      'a deploy role in another account',
      (c) => (c.accounts.development.deployRoleArn = 'arn:aws:iam::222222222222:role/deploy'),
      'accounts.development.deployRoleArn',
      /^the role is in account 222222222222, but account 'development' has the id 111111111111: .*use a role of account 111111111111 \(arn:aws:iam::111111111111:role\/branch-env-deploy/,
    ],
    [
      'a deploy role name longer than IAM allows',
      (c) =>
        (c.accounts.development.deployRoleArn = `arn:aws:iam::111111111111:role/${'r'.repeat(65)}`),
      'accounts.development.deployRoleArn',
      /is not an IAM role ARN with a name of at most 64 characters; set it to arn:aws:iam::111111111111:role\/branch-env-deploy$/,
    ],
    [
      'a development domain below the production domain',
      (c) => (c.accounts.development.domain.name = 'dev.branch-env.example.com'),
      'accounts.development.domain.name',
      /^'dev\.branch-env\.example\.com' is on the registrable domain example\.com of production account 'production' \('branch-env\.example\.com'\): .*cookie tossing.*CSRF.*separate registrable domain, e\.g\. 'example-preview\.com'/,
    ],
    [
      'a development domain beside the production domain on one registrable domain',
      (c) => (c.accounts.development.domain.name = 'previews.example.com'),
      'accounts.development.domain.name',
      /registrable domain example\.com/,
    ],
    [
      'a development domain on the same registrable domain under a multi-label public suffix',
      (c) => {
        c.accounts.production.domain.name = 'shop.example.co.uk';
        c.accounts.development.domain.name = 'dev.example.co.uk';
      },
      'accounts.development.domain.name',
      /registrable domain example\.co\.uk/,
    ],
    [
      'CloudFront without a custom domain',
      (c) => (c.profiles.full.customDomain = false),
      'rules[7]',
      /^profile 'full' puts CloudFront in front of the load balancer without a custom domain, .*; set profiles\.full\.customDomain to true with a domain on accounts\.development, or set profiles\.full\.cloudfront to false$/,
    ],
    [
      'production without CloudFront and without a domain',
      (c) => {
        c.profiles.production.cloudfront = false;
        c.profiles.production.customDomain = false;
      },
      'rules[0]',
      /^profile 'production' would serve production account 'production' from the load balancer over plain HTTP .*; add accounts\.production\.domain and set profiles\.production\.customDomain to true$/,
    ],
  ])('fails for %s, at its JSON path, naming the fix', (_what, edit, path, message) => {
    const issues = issuesOf(editedConfig(edit));
    const issue = issues.find((i) => i.path === path);
    expect(issue, JSON.stringify(issues)).toBeDefined();
    expect(issue?.message).toMatch(message);
  });

  it.each<[string, Edit]>([
    ['the repository config', () => {}],
    [
      'a development domain on another registrable domain',
      (c) => (c.accounts.development.domain.name = 'previews.example.net'),
    ],
    [
      'two production accounts sharing an id and a registrable domain',
      (c) => {
        c.accounts.development.production = true;
        c.accounts.development.id = '222222222222';
        c.accounts.development.deployRoleArn = 'arn:aws:iam::222222222222:role/deploy';
        c.accounts.development.domain.name = 'eu.branch-env.example.com';
        // Protected: no sidecar database (environment checks), no shared profile (platform checks).
        for (const r of c.rules) if (r.account === 'development') r.protected = true;
        for (const r of c.rules) if (r.account === 'development') r.profile = 'full';
        for (const r of c.rules) if (r.account === 'development') delete r.ttlHours;
        for (const r of c.rules) if (r.account === 'development') r.profile = 'production';
      },
    ],
    [
      'a deploy role with a path',
      (c) =>
        (c.accounts.development.deployRoleArn =
          'arn:aws:iam::111111111111:role/ci/github/branch-env-deploy'),
    ],
    [
      'a development profile without CloudFront or domain (plain HTTP stays in development)',
      (c) => {
        c.profiles.preview.customDomain = false;
      },
    ],
  ])('accepts %s', (_what, edit) => {
    expect(issuesOf(editedConfig(edit))).toEqual([]);
  });

  it.each([
    ['dev.branch-env.example.com', 'example.com'],
    ['branch-env-dev.example.net', 'example.net'],
    ['a.b.example.co.uk', 'example.co.uk'],
    // The private section of the list counts, as in browsers: each github.io user is a site.
    ['previews.acme.github.io', 'acme.github.io'],
  ])('takes the registrable domain of %s from the Public Suffix List: %s', (name, site) => {
    expect(registrableDomain(name)).toBe(site);
  });
});

describe('protected environments are created deliberately', () => {
  const qa = (c: Record<string, any>) =>
    c.rules.find((r: { branch: string }) => r.branch === 'qa*');
  const qaIndex = (c: Record<string, any>) => c.rules.indexOf(qa(c));

  it.each<[string, Edit, (c: Record<string, any>) => string, RegExp]>([
    [
      'a protected pattern rule with neither allow nor maxEnvironments',
      (c) => delete qa(c).allow,
      (c) => `rules[${qaIndex(c)}]`,
      /^protected rule 'qa\*' gives every branch it matches an environment that never expires .*; list its branches in "allow" \(e\.g\. "allow": \["qa1", "qa2"\]\) or cap them with "maxEnvironments"/,
    ],
    [
      'a protected regex rule with neither',
      (c) =>
        delete c.rules.find((r: { branch: string }) => r.branch.startsWith('/dev-'))
          .maxEnvironments,
      (c) => `rules[${c.rules.findIndex((r: { branch: string }) => r.branch.startsWith('/dev-'))}]`,
      /^protected rule '\/dev-/,
    ],
    [
      'an allowed branch the pattern does not match',
      (c) => (qa(c).allow = ['qa1', 'staging1']),
      (c) => `rules[${qaIndex(c)}].allow[1]`,
      /^'staging1' does not match the rule's pattern 'qa\*', so the rule never sees it; remove it or fix the pattern$/,
    ],
    [
      'an allowed branch an earlier rule takes',
      (c) => {
        c.rules.splice(qaIndex(c), 0, {
          branch: 'qa9',
          account: 'development',
          profile: 'full',
          protected: true,
        });
        qa(c).allow = ['qa1', 'qa9'];
      },
      (c) => `rules[${qaIndex(c)}].allow[1]`,
      /^'qa9' routes to rules\[\d+\] \('qa9'\), which comes first; remove it here or move this rule before/,
    ],
    [
      'an allowed branch git would reject',
      (c) => (qa(c).allow = ['qa..1']),
      (c) => `rules[${qaIndex(c)}].allow[0]`,
      /^'qa\.\.1' is not a valid branch name/,
    ],
    ['an empty allow list', (c) => (qa(c).allow = []), (c) => `rules[${qaIndex(c)}].allow`, /./],
    [
      'a zero maxEnvironments',
      (c) => (qa(c).maxEnvironments = 0),
      (c) => `rules[${qaIndex(c)}].maxEnvironments`,
      /./,
    ],
  ])('fails for %s, at its JSON path, naming the fix', (_what, edit, pathOf, message) => {
    const raw = editedConfig(edit) as Record<string, any>;
    const issues = issuesOf(raw);
    const issue = issues.find((i) => i.path === pathOf(raw));
    expect(issue, JSON.stringify(issues)).toBeDefined();
    expect(issue?.message).toMatch(message);
  });

  it.each<[string, Edit]>([
    ['a protected concrete branch (sandbox)', () => {}],
    ['a protected rule with a fixed environment name', () => {}],
    [
      'a protected pattern rule in a production account (deployed through the reviewed GitHub environment)',
      (c) => {
        const prod = c.rules.find((r: { branch: string }) => r.branch === 'prod[1-9]');
        expect(prod.allow).toBeUndefined();
        expect(prod.maxEnvironments).toBeUndefined();
      },
    ],
    ['both allow and maxEnvironments', (c) => (qa(c).maxEnvironments = 2)],
  ])('accepts %s', (_what, edit) => {
    expect(issuesOf(editedConfig(edit))).toEqual([]);
  });
});
