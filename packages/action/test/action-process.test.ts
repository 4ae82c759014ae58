import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { ACTION_DIR, ROOT, runAction } from './run-action.js';

const OUTPUTS = [
  'routed',
  'reason',
  'branch',
  'environment',
  'account',
  'account-id',
  'production',
  'region',
  'role-arn',
  'profile',
  'stack-names',
  'url',
  'protected',
  'ttl-hours',
  'ssm-prefix',
  'cross-repository',
  'destroy-command',
];

describe('extract-env as the runner starts it', () => {
  it('resolves a pushed feature branch: every output, env var and the job summary', () => {
    const run = runAction({ eventName: 'push', ref: 'refs/heads/feature/new-login' });
    expect(run.status).toBe(0);
    expect(run.outputs).toEqual({
      routed: 'true',
      reason: '',
      branch: 'feature/new-login',
      environment: 'feature-new-login',
      account: 'development',
      'account-id': '111111111111',
      production: 'false',
      region: 'us-east-1',
      'role-arn': 'arn:aws:iam::111111111111:role/branch-env-deploy-unprotected',
      profile: 'preview',
      'stack-names': '["branch-env-demo-feature-new-login"]',
      url: 'https://feature-new-login.branch-env-dev.example.net',
      protected: 'false',
      'ttl-hours': '72',
      'ssm-prefix': '/branch-env-demo/feature-new-login/',
      'cross-repository': 'false',
      'destroy-command': 'npx branch-env destroy feature/new-login',
    });
    for (const name of OUTPUTS) {
      expect(run.env[`BRANCH_ENV_${name.toUpperCase().replace(/-/g, '_')}`], name).toBe(
        run.outputs[name],
      );
    }
    expect(run.env.BRANCH_ENV_CONFIG).toMatch(/workspace\/branch-env\.config\.json$/);
    expect(run.summary).toContain('### branch-env: `feature-new-login`');
    expect(run.summary).toContain(
      '| role-arn | `arn:aws:iam::111111111111:role/branch-env-deploy-unprotected` |',
    );
    expect(run.summary).toContain('Resolved from GITHUB_REF.');
  });

  it.each(['pull_request', 'pull_request_target'])(
    'resolves a %s from its head branch, never the merge ref',
    (eventName) => {
      const run = runAction({
        eventName,
        ref: 'refs/pull/42/merge',
        headRef: 'feature/pr-branch',
        payload: {
          number: 42,
          pull_request: {
            number: 42,
            head: { ref: 'feature/pr-branch', repo: { full_name: 'acme/shop' } },
            base: { ref: 'main', repo: { full_name: 'acme/shop' } },
          },
        },
      });
      expect(run.status).toBe(0);
      expect(run.outputs.environment).toBe('feature-pr-branch');
      expect(run.outputs.branch).toBe('feature/pr-branch');
      expect(run.summary).toContain(`the pull request head (${eventName})`);
    },
  );

  it('resolves a pull request from GITHUB_HEAD_REF when the payload lacks the head', () => {
    const run = runAction({
      eventName: 'pull_request',
      ref: 'refs/pull/7/merge',
      headRef: 'bugfix/typo',
      payload: {
        pull_request: {
          head: { repo: { full_name: 'acme/shop' } },
          base: { repo: { full_name: 'acme/shop' } },
        },
      },
    });
    expect(run.outputs.environment).toBe('bugfix-typo');
  });

  it('resolves a delete event from the deleted branch, not GITHUB_REF (the default branch)', () => {
    const run = runAction({
      eventName: 'delete',
      ref: 'refs/heads/main',
      payload: { ref: 'feature/gone', ref_type: 'branch' },
    });
    expect(run.status).toBe(0);
    expect(run.outputs.environment).toBe('feature-gone');
    expect(run.outputs.account).toBe('development');
  });

  it('takes a delete event’s ref literally: a branch NAMED refs/heads/feature/victim is not feature/victim', () => {
    for (const name of ['refs/heads/feature/victim', 'refs/heads/main']) {
      const run = runAction({
        eventName: 'delete',
        ref: 'refs/heads/main',
        payload: { ref: name, ref_type: 'branch' },
      });
      expect(run.status).toBe(0);
      expect(run.outputs.branch).toBe(name);
      expect(run.outputs.routed).toBe('false');
      expect(run.outputs.environment).toBe('');
    }
  });

  it('never routes a pull request whose head lives in another repository (a fork named main)', () => {
    const fork = runAction({
      eventName: 'pull_request',
      ref: 'refs/pull/9/merge',
      headRef: 'main',
      payload: {
        repository: { full_name: 'acme/shop' },
        pull_request: {
          head: { ref: 'main', repo: { full_name: 'mallory/shop' } },
          base: { ref: 'main', repo: { full_name: 'acme/shop' } },
        },
      },
    });
    expect(fork.status).toBe(0);
    expect(fork.outputs).toMatchObject({
      routed: 'false',
      'cross-repository': 'true',
      branch: 'main',
      'role-arn': '',
      production: '',
    });
    expect(fork.outputs.reason).toMatch(/another repository \(a fork\)/);
    const same = runAction({
      eventName: 'pull_request',
      ref: 'refs/pull/9/merge',
      headRef: 'feature/x',
      payload: {
        pull_request: {
          head: { ref: 'feature/x', repo: { full_name: 'acme/shop' } },
          base: { ref: 'main', repo: { full_name: 'acme/shop' } },
        },
      },
    });
    expect(same.outputs).toMatchObject({ routed: 'true', 'cross-repository': 'false' });
    // a deleted fork (head.repo null) is not trusted either
    const gone = runAction({
      eventName: 'pull_request',
      ref: 'refs/pull/9/merge',
      headRef: 'main',
      payload: {
        pull_request: {
          head: { ref: 'main', repo: null },
          base: { ref: 'main', repo: { full_name: 'acme/shop' } },
        },
      },
    });
    expect(gone.outputs).toMatchObject({ routed: 'false', 'cross-repository': 'true' });
  });

  it('does not route a deleted tag and does not fail', () => {
    const run = runAction({
      eventName: 'delete',
      ref: 'refs/heads/main',
      payload: { ref: 'v1.0.0', ref_type: 'tag' },
    });
    expect(run.status).toBe(0);
    expect(run.outputs.routed).toBe('false');
    expect(run.outputs.environment).toBe('');
    expect(run.outputs.reason).toBe('the delete event removed a tag');
    expect(run.summary).toContain('### branch-env: no environment');
  });

  it('sets routed=false and succeeds for a branch no rule matches', () => {
    const run = runAction({ eventName: 'push', ref: 'refs/heads/experiment/x' });
    expect(run.status).toBe(0);
    expect(run.outputs.routed).toBe('false');
    expect(run.outputs.branch).toBe('experiment/x');
    expect(run.outputs.reason).toMatch(/matches no routing rule/);
    for (const name of OUTPUTS.filter(
      (n) => !['routed', 'reason', 'branch', 'cross-repository'].includes(n),
    ))
      expect(run.outputs[name], name).toBe('');
    expect(run.outputs['cross-repository']).toBe('false');
    expect(run.env.BRANCH_ENV_ROUTED).toBe('false');
    expect(run.summary).toContain('Jobs that need an environment are skipped.');
  });

  it('lets the branch input win over the event, and reports production environments', () => {
    const run = runAction({
      eventName: 'workflow_dispatch',
      ref: 'refs/heads/main',
      inputs: { branch: 'hotfix/cve-1' },
    });
    expect(run.outputs).toMatchObject({
      environment: 'hotfix-cve-1',
      account: 'production',
      'account-id': '222222222222',
      production: 'true',
      protected: 'true',
      'ttl-hours': '',
      'role-arn': 'arn:aws:iam::222222222222:role/branch-env-deploy',
      'destroy-command': 'npx branch-env destroy hotfix/cve-1 --force-protected',
    });
  });

  it('gives main its fixed name and both stacks of a CloudFront profile', () => {
    const run = runAction({ eventName: 'push', ref: 'refs/heads/main' });
    expect(run.outputs.environment).toBe('customer-facing');
    expect(JSON.parse(run.outputs['stack-names'] ?? '')).toEqual([
      'branch-env-demo-customer-facing',
      'branch-env-demo-customer-facing-certificate',
    ]);
  });

  it('fails with the config problem and its fix when the config is invalid', () => {
    const run = runAction({
      eventName: 'push',
      ref: 'refs/heads/feature/x',
      configText: '{"app": "x"}',
    });
    expect(run.status).toBe(1);
    expect(run.stdout).toMatch(
      /::error::configuration: .*branch-env\.config\.json has \d+ problems/,
    );
    expect(run.outputs).toEqual({});
  });

  it('fails when the config input names a missing file', () => {
    const run = runAction({
      eventName: 'push',
      ref: 'refs/heads/feature/x',
      inputs: { config: 'deploy/missing.json' },
    });
    expect(run.status).toBe(1);
    expect(run.stdout).toMatch(
      /::error::configuration: config file .*deploy\/missing\.json does not exist/,
    );
  });

  it("fails for a branch outside its protected rule's allow list, naming the allowed branches and the fix", () => {
    const run = runAction({ eventName: 'push', ref: 'refs/heads/qa-anything' });
    expect(run.status).toBe(1);
    expect(run.stdout).toMatch(
      /::error::not allowed: branch 'qa-anything' matches rules\[\d+\] \('qa\*'\), which gives environments only to 'qa1', 'qa2', 'qa3'%0Afix: use one of those branches, or add the branch to rules\[\d+\]\.allow/,
    );
    expect(run.outputs).toEqual({});
  });
  it('fails for a ref that is not a branch (a pushed tag)', () => {
    const run = runAction({ eventName: 'push', ref: 'refs/tags/v1' });
    expect(run.status).toBe(1);
    expect(run.stdout).toMatch(/::error::invalid branch: 'refs\/tags\/v1' is not a branch ref/);
  });
});

describe('action.yml', () => {
  const yml = readFileSync(join(ACTION_DIR, 'action.yml'), 'utf8');

  it('declares every output the action sets, and runs the committed bundle on node24', () => {
    for (const name of OUTPUTS) expect(yml).toMatch(new RegExp(`^  ${name}:$`, 'm'));
    expect(yml).toMatch(/^ {2}using: node24$/m);
    expect(yml).toMatch(/^ {2}main: dist\/index\.js$/m);
  });

  it('is referenced by the lifecycle workflow at its documented path (in its branch-env checkout)', () => {
    const workflow = readFileSync(join(ROOT, '.github/workflows/environment.yml'), 'utf8');
    expect(workflow).toContain('uses: ./.branch-env/packages/action\n');
  });
});
