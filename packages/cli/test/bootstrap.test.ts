import { spawn } from 'node:child_process';
import { mkdtempSync, readFileSync } from 'node:fs';
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { beforeAll, describe, expect, it } from 'vitest';
import { githubRepositoryOf } from '../src/commands/bootstrap/repository.js';

const ROOT = fileURLToPath(new URL('../../../', import.meta.url));
const BIN = join(ROOT, 'packages/cli/bin/branch-env.js');

/** The built CLI as a real process (async, so a fake endpoint in this process can answer it). */
function cli(args: string[], env: Record<string, string> = {}, cwd = ROOT) {
  return new Promise<{ code: number | null; stdout: string; stderr: string }>((done) => {
    const child = spawn(process.execPath, [BIN, ...args], {
      cwd,
      env: {
        PATH: process.env.PATH ?? '',
        HOME: tmpdir(),
        CDK_DISABLE_CLI_TELEMETRY: 'true',
        BRANCH_ENV_CONFIG: join(ROOT, 'branch-env.config.json'),
        ...env,
      },
    });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (d: Buffer) => (stdout += d.toString()));
    child.stderr.on('data', (d: Buffer) => (stderr += d.toString()));
    child.on('close', (code) => done({ code, stdout, stderr }));
  });
}

type Plan = {
  account: string;
  production: boolean;
  stackName: string;
  roleArn: string;
  oidcProvider: string;
  trust: { subjects: string[]; notes: string[] };
  classes: { protectionClass: string; deployRoleArn: string; trust: { subjects: string[] } }[];
};

describe('branch-env bootstrap --synth-only', () => {
  const out = mkdtempSync(join(tmpdir(), 'branch-env-bootstrap-'));
  let result: Awaited<ReturnType<typeof cli>>;
  let json: { repository: string; outdir: string; accounts: Plan[] };

  beforeAll(async () => {
    // The repository comes from GITHUB_REPOSITORY when --repository is not given.
    result = await cli(['bootstrap', '--synth-only', '--json', '--out', out], {
      GITHUB_REPOSITORY: 'acme/shop',
    });
    json = JSON.parse(result.stdout) as typeof json;
  }, 180_000);

  it('synthesizes one stack per account without credentials', () => {
    expect(result.code).toBe(0);
    expect(json.repository).toBe('acme/shop');
    expect(json.accounts.map((a) => a.account)).toEqual(['development', 'production']);
    for (const a of json.accounts) {
      const template = JSON.parse(
        readFileSync(join(out, `GitHubDeployRole-${a.account}.template.json`), 'utf8'),
      ) as { Resources: Record<string, { Type: string; Properties: Record<string, unknown> }> };
      const trusts = Object.values(template.Resources)
        .filter((r) => r.Type === 'AWS::IAM::Role')
        .map((r) => JSON.stringify(r.Properties.AssumeRolePolicyDocument));
      for (const c of a.classes)
        expect(trusts.some((t) => t.includes(JSON.stringify(c.trust.subjects)))).toBe(true);
      expect(a.roleArn).toMatch(/:role\/branch-env-deploy$/);
      expect(a.oidcProvider).toBe('create');
    }
  });

  it('gives the production role only the reviewed production environment, and says it was not checked', () => {
    const prod = json.accounts.find((a) => a.production);
    expect(prod?.trust.subjects).toEqual(['repo:acme/shop:environment:production']);
    expect(result.stderr).toMatch(/was NOT checked/);
  });

  it('gives the development account a role per protection class, none trusting pull requests', () => {
    const dev = json.accounts.find((a) => !a.production);
    expect(dev?.classes.map((c) => [c.protectionClass, c.deployRoleArn])).toEqual([
      ['protected', 'arn:aws:iam::111111111111:role/branch-env-deploy'],
      ['unprotected', 'arn:aws:iam::111111111111:role/branch-env-deploy-unprotected'],
    ]);
    for (const c of dev?.classes ?? [])
      expect(c.trust.subjects).not.toContain('repo:acme/shop:pull_request');
  });
});

describe('branch-env bootstrap --github-environment', () => {
  it('makes the production role trust only the environment, and leaves the development role alone', async () => {
    const out = mkdtempSync(join(tmpdir(), 'branch-env-bootstrap-env-'));
    const r = await cli([
      'bootstrap',
      '--synth-only',
      '--json',
      '--out',
      out,
      '--repository',
      'acme/shop',
      '--github-environment',
      'production',
    ]);
    expect(r.code).toBe(0);
    const { accounts } = JSON.parse(r.stdout) as { accounts: Plan[] };
    const prod = accounts.find((a) => a.production);
    const dev = accounts.find((a) => !a.production);
    expect(prod?.trust.subjects).toEqual(['repo:acme/shop:environment:production']);
    expect(
      dev?.classes.flatMap((c) => c.trust.subjects).some((s) => s.includes(':environment:')),
    ).toBe(false);
  }, 180_000);

  it('refuses it for a non-production account', async () => {
    const r = await cli([
      'bootstrap',
      '--synth-only',
      '--account',
      'development',
      '--repository',
      'acme/shop',
      '--github-environment',
      'production',
    ]);
    expect(r.code).toBe(1);
    expect(r.stderr).toContain('--github-environment gates production deploys only');
  }, 180_000);
});

describe('branch-env bootstrap failures', () => {
  it('refuses to deploy every account with one set of credentials', async () => {
    const r = await cli(['bootstrap', '--repository', 'acme/shop']);
    expect(r.code).toBe(1);
    expect(r.stderr).toContain('one account at a time');
    expect(r.stderr).toContain('npx branch-env bootstrap --account development');
  });

  it('refuses an unknown account and a malformed repository', async () => {
    const unknown = await cli([
      'bootstrap',
      '--account',
      'staging',
      '--synth-only',
      '--repository',
      'a/b',
    ]);
    expect(unknown.code).toBe(1);
    expect(unknown.stderr).toContain("no account 'staging'");
    const bad = await cli(['bootstrap', '--synth-only', '--repository', 'acme']);
    expect(bad.code).toBe(1);
    expect(bad.stderr).toContain('owner/repo');
  }, 180_000);

  it('refuses to deploy with credentials of another account (checked with STS first)', async () => {
    const calls: string[] = [];
    const server = createServer((req, res) => {
      let body = '';
      req.on('data', (d: Buffer) => (body += d.toString()));
      req.on('end', () => {
        calls.push(body);
        res.setHeader('content-type', 'text/xml');
        res.end(
          '<GetCallerIdentityResponse xmlns="https://sts.amazonaws.com/doc/2011-06-15/"><GetCallerIdentityResult>' +
            '<Arn>arn:aws:iam::999999999999:user/alice</Arn><UserId>AIDATEST</UserId><Account>999999999999</Account>' +
            '</GetCallerIdentityResult><ResponseMetadata><RequestId>1</RequestId></ResponseMetadata></GetCallerIdentityResponse>',
        );
      });
    });
    await new Promise<void>((ok) => server.listen(0, '127.0.0.1', ok));
    const { port } = server.address() as AddressInfo;
    try {
      const r = await cli(['bootstrap', '--account', 'production', '--repository', 'acme/shop'], {
        AWS_ACCESS_KEY_ID: 'AKIDTEST',
        AWS_SECRET_ACCESS_KEY: 'test',
        AWS_REGION: 'us-east-1',
        AWS_ENDPOINT_URL_STS: `http://127.0.0.1:${port}`,
      });
      expect(r.code).toBe(1);
      expect(r.stderr).toContain(
        "the AWS credentials are for account 999999999999 (arn:aws:iam::999999999999:user/alice), but account 'production' is 222222222222",
      );
      expect(calls.some((c) => c.includes('Action=GetCallerIdentity'))).toBe(true);
    } finally {
      server.close();
    }
  });
});

describe('githubRepositoryOf', () => {
  it.each([
    ['https://github.com/acme/shop.git', 'acme/shop'],
    ['https://github.com/acme/shop', 'acme/shop'],
    ['https://x-access-token:abc@github.com/acme/shop.git\n', 'acme/shop'],
    ['git@github.com:acme/shop.git', 'acme/shop'],
    ['ssh://git@github.com/acme/my.repo.git', 'acme/my.repo'],
    ['https://gitlab.com/acme/shop.git', undefined],
    ['', undefined],
  ])('%s -> %s', (url, repo) => expect(githubRepositoryOf(url)).toBe(repo));
});
