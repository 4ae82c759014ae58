import { spawnSync, type SpawnSyncOptions } from 'node:child_process';
import {
  cpSync,
  mkdirSync,
  mkdtempSync,
  readFileSync,
  readdirSync,
  rmSync,
  writeFileSync,
} from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';

/**
 * The packages as another repository gets them: `npm pack` of core, cdk, config-bus and the CLI,
 * installed from the tarballs into a project outside the workspace that holds an app that is not
 * ours (test/fixtures/adopter: a Go service on port 9000 with its own health path, an internal
 * Python service, a worker and a migration job, and its own
 * CDK app adding constructs, named by the config's `cdk.app`), then `config check`, `plan --json`
 * (which runs that app) and `cdk synth` there, offline.
 *
 * Offline install: the project gets a lockfile whose registry entries are the workspace
 * lockfile's (same versions, same integrity), so `npm ci --offline` takes every dependency from
 * the npm cache that the workspace's own `npm ci` filled; npm prunes what the tarballs do not need.
 */

const ROOT = fileURLToPath(new URL('../../../', import.meta.url));
const FIXTURE = join(ROOT, 'packages/cli/test/fixtures/adopter');
const PACKAGES = ['core', 'cdk', 'config-bus', 'cli'] as const;

/** The environment of a user without AWS and outside any npm script of ours. */
function userEnv(): NodeJS.ProcessEnv {
  const env: NodeJS.ProcessEnv = {};
  for (const [k, v] of Object.entries(process.env)) {
    if (!/^(npm_|AWS_|CDK_|BRANCH_ENV_)/i.test(k) && k !== 'INIT_CWD') env[k] = v;
  }
  return {
    ...env,
    CDK_DISABLE_CLI_TELEMETRY: 'true',
    AWS_EC2_METADATA_DISABLED: 'true',
    AWS_CONFIG_FILE: join(tmpdir(), 'branch-env-no-aws-config'),
    AWS_SHARED_CREDENTIALS_FILE: join(tmpdir(), 'branch-env-no-aws-credentials'),
  };
}

function run(command: string, args: string[], options: SpawnSyncOptions & { cwd: string }) {
  const r = spawnSync(command, args, { encoding: 'utf8', env: userEnv(), ...options });
  return { code: r.status, stdout: String(r.stdout), stderr: String(r.stderr) };
}

interface Packed {
  readonly name: string;
  readonly filename: string;
  readonly files: readonly { readonly path: string }[];
}

let work: string;
let project: string;
let packed: Packed[];
let install: ReturnType<typeof run>;

beforeAll(() => {
  work = mkdtempSync(join(tmpdir(), 'branch-env-pack-'));
  const tarballs = join(work, 'tarballs');
  mkdirSync(tarballs);
  const pack = run(
    'npm',
    [
      'pack',
      '--json',
      '--ignore-scripts',
      `--pack-destination=${tarballs}`,
      ...PACKAGES.map((p) => `--workspace=packages/${p}`),
    ],
    { cwd: ROOT },
  );
  if (pack.code !== 0) throw new Error(`npm pack failed:\n${pack.stderr}`);
  packed = JSON.parse(pack.stdout) as Packed[];

  project = join(work, 'shop');
  cpSync(FIXTURE, project, { recursive: true });
  const dependencies: Record<string, string> = {};
  const locked: Record<string, unknown> = {};
  for (const p of packed) {
    const manifest = JSON.parse(
      readFileSync(join(ROOT, 'packages', PACKAGES[packed.indexOf(p)]!, 'package.json'), 'utf8'),
    ) as Record<string, unknown>;
    dependencies[p.name] = `file:../tarballs/${p.filename}`;
    locked[`node_modules/${p.name}`] = {
      version: manifest.version,
      resolved: `file:../tarballs/${p.filename}`,
      license: manifest.license,
      dependencies: manifest.dependencies,
      peerDependencies: manifest.peerDependencies,
      bin: manifest.bin,
      engines: manifest.engines,
    };
  }
  const workspace = JSON.parse(readFileSync(join(ROOT, 'package-lock.json'), 'utf8')) as {
    packages: Record<string, Record<string, unknown>>;
  };
  const versionOf = (name: string) => workspace.packages[`node_modules/${name}`]!.version as string;
  Object.assign(dependencies, {
    'aws-cdk-lib': versionOf('aws-cdk-lib'),
    constructs: versionOf('constructs'),
  });
  const devDependencies = { 'aws-cdk': versionOf('aws-cdk') };
  const manifest = {
    name: 'shop',
    version: '1.0.0',
    private: true,
    type: 'module',
    dependencies,
    devDependencies,
  };
  writeFileSync(join(project, 'package.json'), `${JSON.stringify(manifest, null, 2)}\n`);
  const registry: Record<string, unknown> = {};
  for (const [path, entry] of Object.entries(workspace.packages)) {
    if (
      !path.startsWith('node_modules/') ||
      entry.link ||
      path.startsWith('node_modules/@branch-env/')
    )
      continue;
    const { dev: _dev, devOptional: _devOptional, peer: _peer, ...rest } = entry;
    registry[path] = rest;
  }
  const lock = {
    name: 'shop',
    version: '1.0.0',
    lockfileVersion: 3,
    requires: true,
    packages: {
      '': { name: 'shop', version: '1.0.0', dependencies, devDependencies },
      ...registry,
      ...locked,
    },
  };
  writeFileSync(join(project, 'package-lock.json'), `${JSON.stringify(lock, null, 2)}\n`);
  install = run('npm', ['ci', '--offline', '--ignore-scripts', '--no-audit', '--no-fund'], {
    cwd: project,
  });
}, 480_000);

afterAll(() => {
  if (work) rmSync(work, { recursive: true, force: true });
});

const branchEnv = (args: string[]) =>
  run(join(project, 'node_modules/.bin/branch-env'), args, { cwd: project });

describe('the packages, packed and installed into another project', () => {
  it('pack only built code and declarations, never sources, tests or build info', () => {
    expect(packed.map((p) => p.name)).toEqual([
      '@branch-env/core',
      '@branch-env/cdk',
      '@branch-env/config-bus',
      'branch-env',
    ]);
    for (const p of packed) {
      const paths = p.files.map((f) => f.path);
      expect(paths).toContain('package.json');
      expect(paths).toContain('dist/index.js');
      expect(paths).toContain('dist/index.d.ts');
      expect(paths.filter((f) => !/^(dist\/|bin\/|package\.json$|README|LICENSE)/.test(f))).toEqual(
        [],
      );
      expect(paths.filter((f) => /tsbuildinfo|\/test\/|\.test\./.test(f))).toEqual([]);
    }
  });

  it('ship the site server handler in @branch-env/cdk (bundled at synth from dist)', () => {
    const cdk = packed.find((p) => p.name === '@branch-env/cdk')!;
    expect(cdk.files.map((f) => f.path)).toEqual(
      expect.arrayContaining([
        'dist/web/site-server/handler.js',
        'dist/web/site-server/serve.js',
        'dist/web/site-server/respond.js',
        'dist/web/site-server/aws.js',
      ]),
    );
  });

  it('install offline from the tarballs and the npm cache', () => {
    expect(install.code, install.stderr).toBe(0);
    expect(readdirSync(join(project, 'node_modules/.bin'))).toEqual(
      expect.arrayContaining(['branch-env', 'cdk']),
    );
    // One aws-cdk-lib: @branch-env/cdk takes the project's own (a peer dependency).
    expect(() =>
      readFileSync(
        join(project, 'node_modules/@branch-env/cdk/node_modules/aws-cdk-lib/package.json'),
      ),
    ).toThrow();
  });

  it('expose only their public entry points (nothing under dist/private)', () => {
    const probe = run(
      process.execPath,
      [
        '--input-type=module',
        '-e',
        [
          "const cdk = await import('@branch-env/cdk');",
          "const core = await import('@branch-env/core');",
          "const cli = await import('branch-env');",
          "let deep = 'resolved';",
          "try { await import('@branch-env/core/dist/private/config/load.js'); } catch (e) { deep = e.code; }",
          'console.log(JSON.stringify({ cdk: typeof cdk.environmentAppFromContext, core: typeof core.resolveEnvironment, cli: cli.VERSION, deep }));',
        ].join('\n'),
      ],
      { cwd: project },
    );
    expect(probe.code, probe.stderr).toBe(0);
    expect(JSON.parse(probe.stdout)).toEqual({
      cdk: 'function',
      core: 'function',
      cli: '0.1.0',
      deep: 'ERR_PACKAGE_PATH_NOT_EXPORTED',
    });
  });

  it('branch-env config check passes on the app', () => {
    const r = branchEnv(['config', 'check', '--json']);
    expect(r.code, r.stderr).toBe(0);
    expect(JSON.parse(r.stdout)).toMatchObject({
      ok: true,
      file: join(project, 'branch-env.config.json'),
    });
  });

  it('branch-env plan --json shows each service, its route and its cost', () => {
    const r = branchEnv(['plan', 'feature/checkout', '--json']);
    expect(r.code, r.stderr).toBe(0);
    const plan = JSON.parse(r.stdout);
    expect(plan.environment).toMatchObject({
      name: 'feature-checkout',
      app: 'shop',
      region: 'eu-west-1',
      url: 'https://feature-checkout.shop-preview.example.org',
    });
    const size = { cpu: 256, memoryMiB: 512, architecture: 'arm64', spot: true };
    expect(plan.services).toEqual([
      {
        name: 'shop',
        reach: 'routed',
        routes: ['/'],
        summary: 'routes /',
        port: 9000,
        ...size,
        tasks: { min: 1, max: 1 },
        perHour: expect.any(Number),
        perMonth: expect.any(Number),
      },
      expect.objectContaining({ name: 'search', reach: 'internal', port: 7700, routes: [] }),
      expect.objectContaining({ name: 'mailer', reach: 'worker', port: null, routes: [] }),
    ]);
    for (const service of plan.services) expect(service.perHour).toBeGreaterThan(0);
    expect(plan.jobs).toEqual([
      { name: 'migrate', service: 'shop', when: 'before-traffic', timeoutMinutes: 10 },
    ]);
    const services = plan.services.reduce((a: number, x: { perHour: number }) => a + x.perHour, 0);
    expect(plan.cost.perHour).toBeGreaterThan(services);
    expect(plan.teardown.passed).toBe(true);
    expect(plan.compliance.passed).toBe(true);
    // cdk.app: plan ran the project's own CDK app, so its constructs (extend) are in the plan.
    expect(r.stderr).toContain('with your CDK app (node infra/app.mjs)');
    const blocks = Object.fromEntries(
      plan.resources.blocks.map((b: { block: string; types: unknown }) => [b.block, b.types]),
    );
    expect(blocks.Orders).toEqual(expect.arrayContaining([{ type: 'AWS::SQS::Queue', count: 1 }]));
    expect(blocks.FeatureFlags).toEqual([{ type: 'AWS::SSM::Parameter', count: 1 }]);
  }, 180_000);

  it('bundle the site server from the installed package at synth (esbuild, the AWS SDK included)', () => {
    const out = join(work, 'site-server.out');
    const probe = run(
      process.execPath,
      [
        '--input-type=module',
        '-e',
        [
          "import { App, Stack } from 'aws-cdk-lib';",
          "import { Bucket } from 'aws-cdk-lib/aws-s3';",
          "import { SiteServer } from '@branch-env/cdk';",
          `const app = new App({ outdir: ${JSON.stringify(out)} });`,
          "const stack = new Stack(app, 'Site', { env: { account: '333333333333', region: 'eu-west-1' } });",
          "new SiteServer(stack, 'Server', { source: { kind: 'bucket', bucket: new Bucket(stack, 'B') }, logRetentionDays: 3, removalPolicy: 'destroy' });",
          'app.synth();',
        ].join('\n'),
      ],
      { cwd: project },
    );
    expect(probe.code, probe.stderr).toBe(0);
    const bundles = readdirSync(out).filter(
      (d) => d.startsWith('asset.') && readdirSync(join(out, d)).includes('index.mjs'),
    );
    expect(bundles).toHaveLength(1);
    // Everything is in the bundle: it loads and answers without the project's node_modules.
    const load = run(
      process.execPath,
      [
        '--input-type=module',
        '-e',
        `const { handler } = await import(${JSON.stringify(join(out, bundles[0]!, 'index.mjs'))}); console.log((await handler({ httpMethod: 'PUT', path: '/', headers: {} })).statusCode);`,
      ],
      { cwd: tmpdir(), env: { ...userEnv(), SITE_BUCKET: 'b' } },
    );
    expect(load.stdout.trim(), load.stderr).toBe('405');
  }, 180_000);

  it("cdk synth runs the project's own CDK app through the public API, offline", () => {
    const out = join(work, 'cdk.out');
    const r = run(
      join(project, 'node_modules/.bin/cdk'),
      ['synth', '-c', 'branch=feature/checkout', '--output', out, '--quiet', '--no-notices'],
      { cwd: project },
    );
    expect(r.code, r.stderr).toBe(0);
    const template = JSON.parse(
      readFileSync(join(out, 'shop-feature-checkout.template.json'), 'utf8'),
    );
    const resources = Object.values(template.Resources) as {
      Type: string;
      Properties?: Record<string, any>;
    }[];
    const ports = resources
      .filter((x) => x.Type === 'AWS::ECS::TaskDefinition')
      .flatMap((t) =>
        t.Properties?.ContainerDefinitions.flatMap(
          (c: { PortMappings?: { ContainerPort: number }[] }) =>
            (c.PortMappings ?? []).map((p) => p.ContainerPort),
        ),
      );
    // The shop (routed), search (internal); the mailer (a worker) and the job listen on nothing.
    expect(ports).toEqual(expect.arrayContaining([9000, 7700]));
    expect(resources.filter((x) => x.Type === 'AWS::ECS::Service')).toHaveLength(3);
    const group = resources.find((x) => x.Type === 'AWS::ElasticLoadBalancingV2::TargetGroup');
    expect(group?.Properties).toMatchObject({ Port: 9000, HealthCheckPath: '/status/live' });
    const own = resources.find(
      (x) =>
        x.Type === 'AWS::SSM::Parameter' &&
        x.Properties?.Name === '/shop/feature-checkout/feature-flags',
    );
    expect(own?.Properties?.Tags).toMatchObject({ 'branch-env:environment': 'feature-checkout' });
    // The image asset is the project's own Dockerfile, not anything inside node_modules.
    const assets = JSON.parse(readFileSync(join(out, 'shop-feature-checkout.assets.json'), 'utf8'));
    const images = Object.values(assets.dockerImages) as { source: { directory: string } }[];
    expect(images.length).toBe(3);
    const staged = images
      .map((i) => readdirSync(join(out, i.source.directory)).sort().join(','))
      .sort();
    expect(staged).toEqual([
      'Dockerfile,app.py',
      'Dockerfile,go.mod,main.go',
      'Dockerfile,worker.py',
    ]);
  }, 180_000);
});
