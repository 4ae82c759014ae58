import { describe, expect, it } from 'vitest';
import {
  classesOf,
  classRoles,
  classScopes,
  deployRoleArnOf,
  environmentPrefixOf,
  parseConfig,
  resolveEnvironment,
  UserError,
} from '@branch-env/core';
import { editedConfig, repoConfig } from './helpers.js';

const config = repoConfig();

describe('classRoles: one role set per protection class, derived from deployRoleArn', () => {
  const dev = config.accounts.development!;
  const prod = config.accounts.production!;
  it.each([
    [dev, 'unprotected', 'branch-env-deploy-unprotected'],
    [dev, 'protected', 'branch-env-deploy'],
    [prod, 'unprotected', 'branch-env-deploy'],
    [prod, 'protected', 'branch-env-deploy'],
  ] as const)('%#: %s -> %s', (account, cls, name) => {
    const roles = classRoles(account, cls);
    expect(roles.deployRoleArn).toBe(`arn:aws:iam::${account.id}:role/${name}`);
    expect(roles.executionRoleArn).toBe(`arn:aws:iam::${account.id}:role/${name}-cfn`);
    expect(roles.permissionsBoundaryArn).toBe(`arn:aws:iam::${account.id}:policy/${name}-boundary`);
  });

  it('gives a resolved environment the role of its class', () => {
    expect(resolveEnvironment('feature/x', config).deployRoleArn).toMatch(/-unprotected$/);
    expect(resolveEnvironment('sandbox', config).deployRoleArn).toBe(dev.deployRoleArn);
    expect(resolveEnvironment('main', config).deployRoleArn).toBe(prod.deployRoleArn);
    expect(deployRoleArnOf(prod, false)).toBe(prod.deployRoleArn);
  });

  it('fails for a role name too long to derive the others from', () => {
    const long = { ...dev, deployRoleArn: `arn:aws:iam::111111111111:role/${'r'.repeat(50)}` };
    expect(() => classRoles(long, 'unprotected')).toThrow(UserError);
  });

  it('lists the classes each account has', () => {
    expect(classesOf(config, 'development')).toEqual(['protected', 'unprotected']);
    expect(classesOf(config, 'production')).toEqual(['protected']);
  });
});

describe('classScopes: environment-name prefixes that keep the classes apart', () => {
  it('derives the prefixes of the repository config', () => {
    expect(classScopes(config, 'development')).toEqual({
      unprotected: ['feature-', 'bugfix-', 'ai-'],
      protected: ['sandbox', 'qa', 'staging', 'dev-'],
    });
  });

  it.each([
    'feature/x',
    'feature/New_Login',
    'bugfix/a.b',
    'ai/agent-7',
    `feature/${'x'.repeat(80)}`,
  ])('every environment name of an unprotected branch starts with its prefix (%s)', (branch) => {
    const env = resolveEnvironment(branch, config);
    const { unprotected } = classScopes(config, 'development');
    expect(unprotected.some((p) => env.name.startsWith(p))).toBe(true);
    expect(env.protected).toBe(false);
  });

  it.each([
    ['**', /no literal prefix/],
    ['qa-tmp/**', /can name the same environments/],
    ['sandbox-preview/**', /can name the same environments/],
    ['platform/**', /reserved name 'platform'/],
  ])('refuses the unprotected rule %s', (branch, message) => {
    const c = parseConfig(
      editedConfig((raw) => {
        raw.rules.push({ branch, account: 'development', profile: 'preview' });
      }),
    );
    expect(() => classScopes(c, 'development')).toThrow(message);
  });

  it.each([
    ['feature/**', 'feature-', false],
    ['prod[1-9]', 'prod', false],
    ['/dev-[a-z][a-z0-9]*-[0-9]+/', 'dev-', false],
    ['sandbox', 'sandbox', true],
  ])('reads the prefix of %s as %s', (branch, prefix, exact) => {
    expect(environmentPrefixOf({ branch, account: 'x', protected: false })).toEqual({
      prefix,
      exact,
    });
  });
});
