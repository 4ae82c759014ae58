import { describe, expect, it } from 'vitest';
import {
  IMAGE_CACHE_TAG,
  imageBuildsOf,
  imageRepositoryName,
  imageTagOf,
  parseConfig,
  platformImageClasses,
  resolveEnvironment,
  usesPlatformImages,
  validateConfig,
} from '../src/index.js';
import { editedConfig, repoConfig } from './helpers.js';

describe('the platform image repositories (docs/images.md)', () => {
  it('names one repository per class and service or job, under the platform stack name', () => {
    expect(imageRepositoryName('shop', 'unprotected', { kind: 'service', name: 'api' })).toBe(
      'shop-platform/unprotected/services/api',
    );
    expect(imageRepositoryName('shop', 'protected', { kind: 'job', name: 'api' })).toBe(
      'shop-platform/protected/jobs/api',
    );
  });

  it('are used where the account has a platform, else deploy keeps CDK image assets', () => {
    const config = repoConfig();
    expect(usesPlatformImages(config.accounts.development)).toBe(true);
    expect(usesPlatformImages(config.accounts.production)).toBe(false);
    expect(imageBuildsOf(resolveEnvironment('main', config))).toEqual([]);
  });

  it('keeps a production account to the protected class', () => {
    expect(platformImageClasses({ production: true })).toEqual(['protected']);
    expect(platformImageClasses({ production: false })).toEqual(['unprotected', 'protected']);
  });

  it("builds each built service and each job with a build of its own, in the environment's class, for the task's architecture", () => {
    const config = parseConfig(
      editedConfig((c) => {
        c.services = {
          web: {
            build: {
              context: 'web',
              dockerfile: 'Dockerfile.prod',
              target: 'run',
              args: { A: '1' },
            },
            port: 3000,
            healthCheck: { path: '/up', gracePeriodSeconds: 30 },
            expose: { routes: ['/web/*'] },
            architecture: 'x86_64',
          },
        };
        c.jobs = {
          migrate: { build: { context: 'db' }, command: ['migrate'], profiles: ['full'] },
          seed: { service: 'web', command: ['seed'], profiles: ['full'] },
        };
      }),
    );
    const web = {
      unit: { kind: 'service', name: 'web' },
      repository: 'branch-env-demo-platform/unprotected/services/web',
      context: 'web',
      dockerfile: 'Dockerfile.prod',
      target: 'run',
      args: { A: '1' },
      platform: 'linux/amd64',
    };
    expect(imageBuildsOf(resolveEnvironment('feature/a', config))).toEqual([web]);
    // A protected environment of the same account never runs what an unprotected role pushed.
    expect(imageBuildsOf(resolveEnvironment('sandbox', config))).toEqual([
      { ...web, repository: 'branch-env-demo-platform/protected/services/web' },
      {
        unit: { kind: 'job', name: 'migrate' },
        repository: 'branch-env-demo-platform/protected/jobs/migrate',
        context: 'db',
        dockerfile: 'Dockerfile',
        target: undefined,
        args: {},
        platform: 'linux/arm64',
      },
    ]);
  });

  it('tags by commit; a deploy without one gets a local tag that is never reused or the cache tag', () => {
    expect(imageTagOf('0123456789ABCDEF0123456789abcdef01234567')).toBe(
      '0123456789abcdef0123456789abcdef01234567',
    );
    const local = imageTagOf('unknown', new Date('2026-12-06T07:31:37.123Z'));
    expect(local).toBe('local-20261206t073137z');
    expect(local).toMatch(/^[a-z0-9._-]{1,128}$/);
    expect(IMAGE_CACHE_TAG).not.toMatch(/^[0-9a-f]+$/);
    expect(IMAGE_CACHE_TAG.startsWith('local-')).toBe(false);
  });

  it('config check refuses an app, service or job name that makes a repository name ECR refuses, on a platform account only', () => {
    const base = repoConfig();
    const service = base.services!.api!;
    const ecrIssues = (config: typeof base) =>
      validateConfig(config)
        .filter((i) => i.message.includes('ECR refuses'))
        .map((i) => i.path);
    expect(ecrIssues({ ...base, app: 'my--shop' })).toEqual(['app']);
    expect(ecrIssues({ ...base, services: { 'web--api': service } })).toEqual([
      'services.web--api',
    ]);
    expect(ecrIssues({ ...base, services: { 'web-api': service } })).toEqual([]);
    const { platform: _p, ...development } = base.accounts.development!;
    expect(
      ecrIssues({ ...base, app: 'my--shop', accounts: { ...base.accounts, development } }),
    ).toEqual([]);
  });
});
