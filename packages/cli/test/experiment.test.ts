import { execFile } from 'node:child_process';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { startFakeAws, type FakeAws } from './helpers/fake-ssm.js';

/**
 * `branch-env experiment …` as real processes (node bin/branch-env.js), the way an agent runs
 * them, against a local fake of SSM and S3 (AWS_ENDPOINT_URL_SSM / _S3, dummy credentials).
 */
const repo = resolve(dirname(fileURLToPath(import.meta.url)), '../../..');
const bin = join(repo, 'packages/cli/bin/branch-env.js');
const config = join(repo, 'branch-env.config.json');
const work = mkdtempSync(join(tmpdir(), 'branch-env-experiment-'));
let aws: FakeAws;

interface Run {
  code: number;
  stdout: string;
  stderr: string;
}

function cli(args: string[], env: Record<string, string> = {}, withAws = true): Promise<Run> {
  const base: Record<string, string> = {
    PATH: process.env.PATH ?? '',
    HOME: work,
    BRANCH_ENV_CONFIG: config,
    AWS_CONFIG_FILE: join(work, 'no-aws-config'),
    AWS_SHARED_CREDENTIALS_FILE: join(work, 'no-aws-credentials'),
    AWS_EC2_METADATA_DISABLED: 'true',
    AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED: 'true',
  };
  const credentials: Record<string, string> = withAws
    ? {
        AWS_ACCESS_KEY_ID: 'AKIDFAKE',
        AWS_SECRET_ACCESS_KEY: 'fake',
        AWS_REGION: 'us-east-1',
        AWS_ENDPOINT_URL_SSM: aws.url,
        AWS_ENDPOINT_URL_S3: aws.url,
      }
    : {};
  return new Promise((done) => {
    execFile(
      process.execPath,
      [bin, ...args],
      { cwd: work, env: { ...base, ...credentials, ...env }, timeout: 30_000 },
      (error, stdout, stderr) => {
        const code = error ? (typeof error.code === 'number' ? error.code : -1) : 0;
        done({ code, stdout, stderr });
      },
    );
  });
}

function file(name: string, content: unknown): string {
  const path = join(work, name);
  writeFileSync(path, typeof content === 'string' ? content : JSON.stringify(content));
  return path;
}

const P = '/branch-env-demo/ai-cache-128/experiments/cache-128';
const start = [
  'experiment',
  'start',
  'ai/cache-128',
  '--id',
  'cache-128',
  '--hypothesis',
  'A 128-entry cache cuts p95 latency by at least 5%',
  '--metric',
  'p95_latency_ms:lower',
  '--metric',
  'throughput_rps:higher',
  '--guard',
  'error_rate:lower:0.01',
  '--baseline',
  'sandbox',
  '--set',
  'cache.size=128',
];

beforeAll(async () => {
  aws = await startFakeAws();
});
afterAll(async () => aws.close());
beforeEach(() => {
  aws.parameters.clear();
  aws.objects.clear();
  aws.calls.length = 0;
});

describe('branch-env experiment (real process, fake SSM)', () => {
  it('runs the agent loop: reference, start, record, compare, decide, list', async () => {
    const ref = file('sandbox.json', {
      metrics: { p95_latency_ms: 240, throughput_rps: 100, error_rate: 0.004 },
    });
    let r = await cli(['experiment', 'record', 'sandbox', '--reference', '--results', ref]);
    expect(r, r.stderr).toMatchObject({ code: 0 });
    expect(aws.parameters.has('/branch-env-demo/sandbox/experiments/reference/results')).toBe(true);

    r = await cli(start);
    expect(r, r.stderr).toMatchObject({ code: 0 });
    expect(r.stdout).toContain('experiment:  cache-128');
    expect(aws.parameters.get(`${P}/hypothesis`)?.Value).toBe(
      'A 128-entry cache cuts p95 latency by at least 5%',
    );
    expect(JSON.parse(aws.parameters.get(`${P}/configuration`)?.Value ?? '')).toMatchObject({
      branch: 'ai/cache-128',
      environment: 'ai-cache-128',
      baseline: { environment: 'sandbox', branch: 'sandbox', region: 'us-east-1' },
      metrics: [
        { name: 'p95_latency_ms', role: 'primary' },
        { name: 'throughput_rps', role: 'secondary' },
        { name: 'error_rate', role: 'guard', tolerance: { kind: 'absolute', value: 0.01 } },
      ],
      settings: { 'cache.size': '128' },
    });

    const results = file('results.json', {
      metrics: { p95_latency_ms: 204, throughput_rps: 108, error_rate: 0.005 },
      notes: 'k6 constant-arrival 50 rps, 5 min',
    });
    r = await cli(['experiment', 'record', 'ai/cache-128', '--results', results]);
    expect(r, r.stderr).toMatchObject({ code: 0 });

    r = await cli(['experiment', 'compare', 'ai/cache-128', '--json']);
    expect(r, r.stderr).toMatchObject({ code: 0 });
    const comparison = JSON.parse(r.stdout);
    expect(comparison.recommendation).toBe('promote');
    expect(
      comparison.changes.map((c: Record<string, unknown>) => [c.metric, c.change, c.verdict]),
    ).toEqual([
      ['p95_latency_ms', -36, 'improved'],
      ['throughput_rps', 8, 'improved'],
      ['error_rate', 0.001, 'regressed'],
    ]);
    r = await cli(['experiment', 'compare', 'ai/cache-128']);
    expect(r.stdout).toMatch(
      /p95_latency_ms\s+primary\s+lower\s+240\s+204\s+-36\s+-15%\s+improved, meets threshold/,
    );
    expect(r.stdout).toMatch(
      /error_rate\s+guard\s+lower\s+0\.004\s+0\.005\s+\+0\.001\s+\+25%\s+regressed, within tolerance/,
    );
    expect(r.stdout).toContain('recommendation: promote');

    r = await cli([
      'experiment',
      'decide',
      'ai/cache-128',
      'promote',
      '--reason',
      '15% faster at p95',
    ]);
    expect(r, r.stderr).toMatchObject({ code: 0 });
    expect(JSON.parse(aws.parameters.get(`${P}/decision`)?.Value ?? '')).toMatchObject({
      decision: 'promote',
      reason: '15% faster at p95',
      recommendation: 'promote',
      overridden: false,
    });

    r = await cli(['experiment', 'compare', 'ai/cache-128', '--json']);
    expect(JSON.parse(r.stdout), 'compare still works once decided').toMatchObject({
      experiment: 'cache-128',
      recommendation: 'promote',
    });

    r = await cli(['experiment', 'list', '--json']);
    expect(r, r.stderr).toMatchObject({ code: 0 });
    expect(
      JSON.parse(r.stdout).map((e: Record<string, unknown>) => [e.environment, e.id, e.status]),
    ).toEqual([['ai-cache-128', 'cache-128', 'promoted']]);
    r = await cli(['experiment', 'list', 'ai/cache-128']);
    expect(r.stdout).toMatch(
      /ai-cache-128\s+cache-128\s+promoted\s+p95_latency_ms \(lower\)\s+A 128-entry cache/,
    );
  });

  it('puts results too big for SSM in the data bucket and a pointer in SSM', async () => {
    aws.seed({ '/branch-env-demo/ai-cache-128/storage/data-bucket': 'demo-ai-cache-128-data' });
    expect((await cli(start)).code).toBe(0);
    const samples = Array.from({ length: 3000 }, (_, i) => 200 + (i % 17));
    const big = file('big.json', {
      metrics: { p95_latency_ms: 204, throughput_rps: 108, error_rate: 0.005 },
      details: { samples },
    });
    const r = await cli(['experiment', 'record', 'ai/cache-128', '--results', big, '--json']);
    expect(r, r.stderr).toMatchObject({ code: 0 });
    const stored = aws.objects.get('demo-ai-cache-128-data/experiments/cache-128/results.json');
    expect(JSON.parse(stored ?? '{}').details.samples).toHaveLength(3000);
    const pointer = JSON.parse(aws.parameters.get(`${P}/results`)?.Value ?? '');
    expect(pointer.object).toMatchObject({
      bucket: 'demo-ai-cache-128-data',
      key: 'experiments/cache-128/results.json',
    });
    expect(pointer.details).toBeUndefined();
  });

  it.each([
    [
      'an unknown experiment',
      ['experiment', 'record', 'ai/cache-128', '--id', 'nope', '--results', 'ok.json'],
      /error: no experiment 'nope' in environment ai-cache-128\n {2}fix: known experiments: cache-128/,
    ],
    [
      'a malformed results file',
      ['experiment', 'record', 'ai/cache-128', '--results', 'malformed.json'],
      /error: results file: is not JSON/,
    ],
    [
      'results that do not match the declared metrics',
      ['experiment', 'record', 'ai/cache-128', '--results', 'wrong.json'],
      /results file has 2 problems:\n {2}- metrics\.p95_latency_ms: .*number.*\n {2}- metrics\.error_rate: .*number/,
    ],
    [
      'an oversized value with no bucket to put it in',
      ['experiment', 'record', 'ai/cache-128', '--results', 'huge.json'],
      /is \d+ bytes, more than an SSM parameter holds \(4096\), and the environment publishes no data bucket/,
    ],
    [
      'an oversized hypothesis',
      [
        'experiment',
        'start',
        'ai/cache-128',
        '--hypothesis',
        'h'.repeat(4100),
        '--metric',
        'x:lower',
      ],
      /hypothesis: is 4100 bytes; a standard SSM parameter holds at most 4096/,
    ],
    [
      'a decision without a reason',
      ['experiment', 'decide', 'ai/cache-128', 'promote'],
      /--reason "…" is required/,
    ],
    [
      'a second experiment while one is open',
      ['experiment', 'start', 'ai/cache-128', '--hypothesis', 'again', '--metric', 'x:lower'],
      /already runs experiment cache-128, still undecided/,
    ],
    [
      'a promotion without any comparison',
      ['experiment', 'decide', 'ai/cache-128', 'promote', '--reason', 'looks good'],
      /cannot promote experiment cache-128 without an evaluation: experiment cache-128 has no results yet/,
    ],
  ])('rejects %s with one message, exit 1, and writes nothing', async (_, args, message) => {
    file('ok.json', { metrics: { p95_latency_ms: 1, throughput_rps: 1, error_rate: 0 } });
    file('malformed.json', '{"metrics": {"p95_latency_ms": 1,');
    file('wrong.json', {
      metrics: { p95_latency_ms: 'fast', throughput_rps: 1, error_rate: null },
    });
    file('huge.json', {
      metrics: { p95_latency_ms: 1, throughput_rps: 1, error_rate: 0 },
      details: 'x'.repeat(6000),
    });
    expect((await cli(start)).code).toBe(0);
    const before = aws.snapshot();
    const puts = aws.calls.filter((c) => c.target === 'PutParameter').length;
    const r = await cli(args);
    expect(r.code).toBe(1);
    expect(r.stderr).toMatch(message);
    expect(r.stderr).not.toMatch(/\n\s+at /); // no stack trace
    expect(aws.calls.filter((c) => c.target === 'PutParameter')).toHaveLength(puts);
    expect(aws.snapshot()).toEqual(before);
  });

  it('refuses a decision against the recommendation unless --force, and records the override', async () => {
    file('ref.json', { metrics: { p95_latency_ms: 240, throughput_rps: 100, error_rate: 0.004 } });
    file('slow.json', { metrics: { p95_latency_ms: 239, throughput_rps: 100, error_rate: 0.004 } });
    await cli(['experiment', 'record', 'sandbox', '--reference', '--results', 'ref.json']);
    await cli(start);
    await cli(['experiment', 'record', 'ai/cache-128', '--results', 'slow.json']);
    let r = await cli(['experiment', 'decide', 'ai/cache-128', 'promote', '--reason', 'fast']);
    expect(r.code).toBe(1);
    expect(r.stderr).toContain('the evaluation recommends archive, not promote');
    expect(aws.parameters.has(`${P}/decision`)).toBe(false);
    r = await cli([
      'experiment',
      'decide',
      'ai/cache-128',
      'promote',
      '--reason',
      'simpler',
      '--force',
      '--json',
    ]);
    expect(r, r.stderr).toMatchObject({ code: 0 });
    expect(JSON.parse(r.stdout)).toMatchObject({
      decision: 'promote',
      recommendation: 'archive',
      overridden: true,
    });
  });

  it("defaults the baseline to the config's and notes a baseline in another account", async () => {
    let r = await cli(['experiment', 'start', 'ai/a', '--hypothesis', 'h', '--metric', 'x:lower']);
    expect(r, r.stderr).toMatchObject({ code: 0, stderr: '' });
    const a = JSON.parse(
      [...aws.parameters.values()].find(
        (p) => p.Name.startsWith('/branch-env-demo/ai-a/') && p.Name.endsWith('/configuration'),
      )?.Value ?? '',
    );
    expect(a.baseline).toEqual({ environment: 'sandbox', branch: null, region: 'us-east-1' });
    r = await cli([
      'experiment',
      'start',
      'ai/b',
      '--hypothesis',
      'h',
      '--metric',
      'x:lower',
      '--baseline',
      'main',
      '--json',
    ]);
    expect(r.code).toBe(0);
    expect(r.stderr).toBe(
      'note: baseline customer-facing is in account production (222222222222), this experiment in development (111111111111); compare and decide need credentials that can read both\n',
    );
    expect(JSON.parse(r.stdout).configuration.baseline).toEqual({
      environment: 'customer-facing',
      branch: 'main',
      region: 'us-east-1',
    });
  });

  it('retries through SSM throttling and still succeeds', async () => {
    aws.throttleNext(2);
    const r = await cli(['experiment', 'list', 'ai/cache-128', '--json']);
    expect(r, r.stderr).toMatchObject({ code: 0 });
    expect(JSON.parse(r.stdout)).toEqual([]);
    // The SDK's retries are off (maxAttempts: 1), so the config bus's backoff is the only policy:
    // exactly the two throttled calls and the one that succeeded reached the server.
    expect(aws.calls.filter((c) => c.target === 'GetParametersByPath')).toHaveLength(3);
    expect(aws.calls).toHaveLength(3);
  });

  it("gives up after the config bus's three attempts: SDK retries do not multiply them", async () => {
    // With the SDK's own retries on, a third throttle would be retried inside one attempt.
    aws.throttleNext(3);
    const r = await cli(['experiment', 'list', 'ai/cache-128']);
    expect(r.code).toBe(1);
    expect(r.stderr.split('\n')[0]).toBe(
      'error: branch-env experiment list: SSM Parameter Store in us-east-1 did not answer (Rate exceeded)',
    );
    expect(aws.calls.filter((c) => c.target === 'GetParametersByPath')).toHaveLength(3);
    expect(aws.calls).toHaveLength(3);
  });

  it('names the denied action and the fix when SSM denies access (the one AWS mapping)', async () => {
    aws.failNext(
      1,
      'AccessDeniedException',
      'User is not authorized to perform ssm:GetParametersByPath',
    );
    const r = await cli(['experiment', 'list', 'ai/cache-128']);
    expect(r.code).toBe(1);
    expect(r.stderr.split('\n')[0]).toBe(
      'error: branch-env experiment list: AWS denied ssm:GetParametersByPath (AccessDeniedException)',
    );
    expect(r.stderr).toContain('the credentials need ssm:GetParametersByPath');
  });

  it('says the credentials expired when SSM says so, and how to go on', async () => {
    aws.failNext(
      1,
      'ExpiredTokenException',
      'The security token included in the request is expired',
    );
    const r = await cli(['experiment', 'list', 'ai/cache-128']);
    expect(r.code).toBe(1);
    expect(r.stderr.split('\n')[0]).toBe(
      'error: branch-env experiment list: the AWS credentials expired (ExpiredTokenException: The security token included in the request is expired)',
    );
    expect(r.stderr).toContain('fix: re-authenticate');
  });

  it('fails in one line when there are no AWS credentials', async () => {
    const r = await cli(['experiment', 'list', 'ai/cache-128'], {}, false);
    expect(r.code).toBe(1);
    expect(r.stderr.split('\n')[0]).toBe(
      'error: branch-env experiment list needs AWS credentials and none are usable',
    );
    expect(r.stderr).not.toMatch(/\n\s+at /);
  });

  it('says in one message that SSM did not answer when the endpoint is unreachable', async () => {
    // (3 attempts with backoff first, then the message)
    const r = await cli(['experiment', 'list', 'ai/cache-128'], {
      AWS_ENDPOINT_URL_SSM: 'http://127.0.0.1:9', // discard port: connection refused
    });
    expect(r.code).toBe(1);
    expect(r.stderr).toMatch(
      /^error: branch-env experiment list: SSM Parameter Store in us-east-1 did not answer \(.*ECONNREFUSED.*\)\n {2}fix: check the network/,
    );
  });

  it('says which experiment is unknown when the environment has none', async () => {
    const r = await cli(['experiment', 'compare', 'ai/cache-128']);
    expect(r.code).toBe(1);
    expect(r.stderr).toContain('environment ai-cache-128 has no undecided experiment');
  });
});
