import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import {
  ConfigError,
  UserError,
  loadConfig,
  parseConfig,
  resolveEnvironment,
  type ConfigIssue,
} from '../src/index.js';
import { closest, editDistance } from '../src/private/config/did-you-mean.js';
import { AWS_REGIONS } from '../src/private/config/regions.js';
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

describe('routing checks of config check', () => {
  it.each<[string, Edit, string, RegExp]>([
    [
      'a region that does not exist',
      (c) => (c.accounts.development.region = 'us-east-9'),
      'accounts.development.region',
      /'us-east-9' is not an AWS region \(regions as of 2026-12\); did you mean 'us-east-1'\?/,
    ],
    [
      'a duplicate rule',
      (c) => c.rules.push({ branch: 'feature/**', account: 'development' }),
      'rules[11].branch',
      /rule 'feature\/\*\*' is unreachable: it duplicates rules\[4\]/,
    ],
    [
      'a rule an earlier, wider rule takes every branch of',
      (c) => c.rules.push({ branch: 'feature/login/*', account: 'development' }),
      'rules[11].branch',
      /matches only branches rules\[4\] \('feature\/\*\*'\) takes first/,
    ],
    [
      'a catch-all ahead of the protected main rule',
      (c) => c.rules.unshift({ branch: '**', account: 'development' }),
      'rules[1].branch',
      /rule 'main' is protected but unreachable: it comes after rules\[0\] \('\*\*'\), which matches every branch, so its branches route to rules\[0\] \(account development\) unprotected; move it above rules\[0\]/,
    ],
    [
      'a regular-expression catch-all ahead of a concrete rule',
      (c) => c.rules.splice(7, 0, { branch: '/.*/', account: 'development' }),
      'rules[8].branch',
      /comes after rules\[7\] \('\/\.\*\/'\), which matches every branch/,
    ],
  ])('fails for %s, at its JSON path', (_what, edit, path, message) => {
    const issues = issuesOf(editedConfig(edit));
    const issue = issues.find((i) => i.path === path);
    expect(issue, JSON.stringify(issues, null, 2)).toBeDefined();
    expect(issue!.message).toMatch(message);
  });

  it('without the check, the catch-all silently routes main to development', () => {
    const raw = editedConfig((c) => c.rules.unshift({ branch: '**', account: 'development' }));
    expect(() => parseConfig(raw)).toThrow(/protected but unreachable/);
  });

  it.each<[string, Edit]>([
    ['the repository config', () => {}],
    [
      'a narrower rule ahead of a wider one',
      (c) => c.rules.unshift({ branch: 'feature/login/*', account: 'development' }),
    ],
    [
      'a rule that overlaps an earlier one only in part',
      (c) => c.rules.push({ branch: 'feature-*', account: 'development' }),
    ],
    [
      'a later glob an earlier class covers only in part',
      (c) =>
        c.rules.push({
          branch: 'prod?',
          account: 'production',
          profile: 'production',
          protected: true,
        }),
    ],
    [
      'every listed region',
      (c) => {
        c.accounts.development.region = 'ap-southeast-7';
        c.accounts.development.platform.availabilityZones = ['ap-southeast-7a', 'ap-southeast-7b'];
      },
    ],
  ])('accepts %s', (_what, edit) => {
    expect(issuesOf(editedConfig(edit))).toEqual([]);
  });

  it('routes the repository config as before (no rule is reported unreachable)', () => {
    const config = parseConfig(editedConfig(() => {}));
    expect(resolveEnvironment('main', config).account.production).toBe(true);
  });

  it('lists well-formed region codes only', () => {
    for (const code of Object.keys(AWS_REGIONS))
      expect(code).toMatch(/^[a-z]{2}(-gov)?-[a-z]+-\d$/);
  });
});

describe('did you mean', () => {
  it.each([
    ['ttlHour', ['ttlHours', 'protected'], 'ttlHours'],
    ['natGateway', ['natGateways', 'cloudfront'], 'natGateways'],
    ['apps', ['app', 'accounts'], 'app'],
    ['zzz', ['app', 'accounts'], undefined],
  ])('%s among %j -> %s', (word, candidates, expected) => {
    expect(closest(word, candidates)).toBe(expected);
  });

  it('counts edits', () => {
    expect(editDistance('kitten', 'sitting')).toBe(3);
    expect(editDistance('', 'abc')).toBe(3);
  });
});

describe('reading the config file', () => {
  it('names a folder passed as the config file as such, with the file inside it as the fix', () => {
    const dir = mkdtempSync(join(tmpdir(), 'branch-env-dir-'));
    let error: unknown;
    try {
      loadConfig(dir);
    } catch (e) {
      error = e;
    }
    expect(error).toBeInstanceOf(UserError);
    expect((error as UserError).message).toBe(`${dir} is a folder, not a config file`);
    expect((error as UserError).fix).toContain(join(dir, 'branch-env.config.json'));
  });
});
