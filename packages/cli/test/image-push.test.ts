import {
  chmodSync,
  existsSync,
  mkdirSync,
  mkdtempSync,
  readFileSync,
  rmSync,
  writeFileSync,
} from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import {
  DescribeImagesCommand,
  ECRClient,
  GetAuthorizationTokenCommand,
} from '@aws-sdk/client-ecr';
import { GetCallerIdentityCommand, STSClient } from '@aws-sdk/client-sts';
import { loadConfig, resolveEnvironment } from '@branch-env/core';
import { mockClient } from 'aws-sdk-client-mock';
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { main } from '../src/cli.js';
import type * as ClientsModule from '../src/private/aws/clients.js';
import { awaitImages, buildxArgs, readyImages } from '../src/private/lifecycle/images.js';
import { awsError, recordingIo, testClients } from './helpers/aws-clients.js';

// `branch-env image push` in-process: the real command from argument parsing to its JSON, the SDK
// mocked (ECR, STS) and `docker` a stand-in on PATH that records its argv and stdin and exits with
// what the test asks for (docs/images.md).

vi.mock('../src/private/aws/clients.js', async (importOriginal) => {
  const { testClients } = await import('./helpers/aws-clients.js');
  return {
    ...(await importOriginal<typeof ClientsModule>()),
    awsClients: (region: string) => testClients(region),
  };
});

const ROOT = join(import.meta.dirname, '..', '..', '..');
const DEV = '111111111111';
const SHA = '0123456789abcdef0123456789abcdef01234567';
const REGISTRY = `${DEV}.dkr.ecr.us-east-1.amazonaws.com`;
const ecr = mockClient(ECRClient);
const sts = mockClient(STSClient);
let dir: string;
/** Tags in the fake repositories: `<repository>:<tag>`. */
let images: Set<string>;

/** A project outside the workspace: two built services, a prebuilt one, a job with its own build. */
function project(): string {
  const repo = JSON.parse(readFileSync(join(ROOT, 'branch-env.config.json'), 'utf8'));
  for (const p of Object.values(repo.profiles) as { database?: { engine: string } }[])
    if (p.database?.engine === 'mongodb-container') p.database = { engine: 'none' };
  const config = {
    ...repo,
    site: undefined,
    services: {
      web: {
        build: { context: 'web', target: 'run', args: { MODE: 'preview' } },
        port: 3000,
        healthCheck: { path: '/up' },
        expose: { routes: ['/'] },
        architecture: 'x86_64',
      },
      api: {
        build: { context: 'api' },
        port: 8080,
        healthCheck: { path: '/healthz' },
        expose: { routes: ['/api/*'] },
      },
      cache: { image: 'public.ecr.aws/docker/library/redis:7', port: 6379, expose: 'internal' },
    },
    jobs: {
      migrate: { build: { context: 'db', dockerfile: 'Migrate.Dockerfile' }, command: ['m'] },
    },
  };
  writeFileSync(join(dir, 'branch-env.config.json'), JSON.stringify(config));
  for (const [folder, file] of [
    ['web', 'Dockerfile'],
    ['api', 'Dockerfile'],
    ['db', 'Migrate.Dockerfile'],
  ] as const) {
    mkdirSync(join(dir, folder), { recursive: true });
    writeFileSync(join(dir, folder, file), 'FROM scratch\n');
  }
  return join(dir, 'branch-env.config.json');
}

/** A `docker` on PATH that records argv and stdin; `buildx` exits with $FAKE_BUILD_EXIT. */
function fakeDocker(): {
  env: NodeJS.ProcessEnv;
  calls: () => { argv: string[]; stdin: string }[];
} {
  const bin = join(dir, 'bin');
  mkdirSync(bin);
  const log = join(dir, 'docker.jsonl');
  writeFileSync(
    join(bin, 'docker'),
    [
      '#!/usr/bin/env node',
      "const fs = require('node:fs');",
      'const argv = process.argv.slice(2);',
      "const stdin = argv.includes('--password-stdin') ? fs.readFileSync(0, 'utf8') : '';",
      `fs.appendFileSync(${JSON.stringify(log)}, JSON.stringify({ argv, stdin }) + '\\n');`,
      "console.log('step 1/2 FROM scratch');",
      "process.exit(argv[0] === 'buildx' ? Number(process.env.FAKE_BUILD_EXIT ?? 0) : 0);",
    ].join('\n'),
  );
  chmodSync(join(bin, 'docker'), 0o755);
  return {
    env: { PATH: `${bin}:${process.env.PATH ?? ''}` },
    calls: () =>
      existsSync(log)
        ? readFileSync(log, 'utf8')
            .trim()
            .split('\n')
            .map((l) => JSON.parse(l) as { argv: string[]; stdin: string })
        : [],
  };
}

beforeEach(() => {
  dir = mkdtempSync(join(tmpdir(), 'image-push-'));
  ecr.reset();
  sts.reset();
  images = new Set();
  sts
    .on(GetCallerIdentityCommand)
    .resolves({ Account: DEV, Arn: `arn:aws:sts::${DEV}:assumed-role/branch-env-deploy/ci` });
  ecr.on(DescribeImagesCommand).callsFake((input) => {
    const tag = input.imageIds?.[0]?.imageTag;
    if (!images.has(`${input.repositoryName}:${tag}`))
      throw awsError('ImageNotFoundException', `no image ${tag}`);
    return { imageDetails: [{ imageTags: [tag] }] };
  });
  ecr.on(GetAuthorizationTokenCommand).resolves({
    authorizationData: [
      {
        authorizationToken: Buffer.from('AWS:s3cr3t-password').toString('base64'),
        proxyEndpoint: `https://${REGISTRY}`,
      },
    ],
  });
});
afterEach(() => rmSync(dir, { recursive: true, force: true }));

describe('branch-env image push', () => {
  it("builds each built service and job for its architecture into its class's platform repository, with a registry cache, and skips what exists", async () => {
    const config = project();
    const docker = fakeDocker();
    images.add('branch-env-demo-platform/unprotected/services/api:' + SHA);
    const io = recordingIo({ ...docker.env });
    const code = await main(
      ['image', 'push', 'feature/new-login', '--commit', SHA, '--config', config, '--json'],
      io,
    );
    expect(code, io.stderr()).toBe(0);
    const out = JSON.parse(io.stdout());
    expect(out).toMatchObject({ environment: 'feature-new-login', tag: SHA, mode: 'platform' });
    expect(out.images).toEqual([
      {
        unit: 'service:web',
        repository: 'branch-env-demo-platform/unprotected/services/web',
        image: `${REGISTRY}/branch-env-demo-platform/unprotected/services/web:${SHA}`,
        status: 'pushed',
      },
      {
        unit: 'service:api',
        repository: 'branch-env-demo-platform/unprotected/services/api',
        image: `${REGISTRY}/branch-env-demo-platform/unprotected/services/api:${SHA}`,
        status: 'exists',
      },
      {
        unit: 'job:migrate',
        repository: 'branch-env-demo-platform/unprotected/jobs/migrate',
        image: `${REGISTRY}/branch-env-demo-platform/unprotected/jobs/migrate:${SHA}`,
        status: 'pushed',
      },
    ]);
    const calls = docker.calls();
    // One login, the password on stdin only.
    expect(calls[0]).toEqual({
      argv: ['login', '--username', 'AWS', '--password-stdin', REGISTRY],
      stdin: 's3cr3t-password',
    });
    expect(JSON.stringify(calls.map((c) => c.argv))).not.toContain('s3cr3t');
    const web = `${REGISTRY}/branch-env-demo-platform/unprotected/services/web`;
    expect(calls[1]!.argv).toEqual([
      'buildx',
      'build',
      '--platform',
      'linux/amd64',
      '--file',
      join(dir, 'web', 'Dockerfile'),
      '--target',
      'run',
      '--build-arg',
      'MODE=preview',
      '--tag',
      `${web}:${SHA}`,
      '--cache-from',
      `type=registry,ref=${web}:buildcache`,
      '--cache-to',
      `type=registry,ref=${web}:buildcache,mode=max,image-manifest=true,oci-mediatypes=true`,
      '--provenance=false',
      '--push',
      join(dir, 'web'),
    ]);
    expect(calls[2]!.argv.slice(0, 6)).toEqual([
      'buildx',
      'build',
      '--platform',
      'linux/arm64',
      '--file',
      join(dir, 'db', 'Migrate.Dockerfile'),
    ]);
    expect(calls).toHaveLength(3);
    expect(io.stderr()).toContain('[image service:web] step 1/2 FROM scratch');
    expect(io.stderr()).toContain('not built again');
  });

  it('pushes a protected environment into the protected repositories', async () => {
    const config = project();
    const docker = fakeDocker();
    const io = recordingIo({ ...docker.env });
    expect(
      await main(['image', 'push', 'sandbox', '--commit', SHA, '--config', config, '--json'], io),
    ).toBe(0);
    expect(JSON.parse(io.stdout()).images.map((i: { repository: string }) => i.repository)).toEqual(
      [
        'branch-env-demo-platform/protected/services/web',
        'branch-env-demo-platform/protected/services/api',
        'branch-env-demo-platform/protected/jobs/migrate',
      ],
    );
  });

  it('builds nothing when every image exists (built once, any environment runs it)', async () => {
    const config = project();
    const docker = fakeDocker();
    for (const r of ['services/web', 'services/api', 'jobs/migrate'])
      images.add(`branch-env-demo-platform/unprotected/${r}:${SHA}`);
    const io = recordingIo({ ...docker.env });
    expect(
      await main(['image', 'push', 'feature/other', '--commit', SHA, '--config', config], io),
    ).toBe(0);
    expect(docker.calls()).toEqual([]);
    expect(io.stdout().trim().split('\n')).toHaveLength(3);
  });

  it('says so and calls nothing on an account without a platform (deploy builds CDK image assets there)', async () => {
    const docker = fakeDocker();
    const io = recordingIo({ ...docker.env });
    const code = await main(
      [
        'image',
        'push',
        'main',
        '--commit',
        SHA,
        '--config',
        join(ROOT, 'branch-env.config.json'),
        '--json',
      ],
      io,
    );
    expect(code).toBe(0);
    expect(JSON.parse(io.stdout())).toMatchObject({ mode: 'none', images: [] });
    expect(docker.calls()).toEqual([]);
    expect(sts.calls()).toHaveLength(0);
  });

  it('fails with the unit and the exit code when a build fails, unless another build pushed the tag first', async () => {
    const config = project();
    const docker = fakeDocker();
    const io = recordingIo({ ...docker.env, FAKE_BUILD_EXIT: '1' });
    expect(
      await main(['image', 'push', 'feature/x', '--commit', SHA, '--config', config], io),
    ).toBe(1);
    expect(io.stderr()).toMatch(
      /the image of service:web did not build or push \(docker buildx exit 1\)/,
    );

    // The race: the tag appears while this build ran (immutable tags refuse the second push).
    ecr.on(DescribeImagesCommand).callsFake((input) => {
      const tag = input.imageIds?.[0]?.imageTag;
      const key = `${input.repositoryName}:${tag}`;
      if (images.has(key)) return { imageDetails: [{ imageTags: [tag] }] };
      images.add(key);
      throw awsError('ImageNotFoundException');
    });
    const again = recordingIo({ ...docker.env, FAKE_BUILD_EXIT: '1' });
    expect(
      await main(
        ['image', 'push', 'feature/x', '--commit', SHA, '--config', config, '--json'],
        again,
      ),
    ).toBe(0);
    expect(
      JSON.parse(again.stdout()).images.every((i: { status: string }) => i.status === 'exists'),
    ).toBe(true);
    expect(again.stderr()).toContain('another build pushed');
  });

  it('refuses without a commit, and names the bootstrap when the platform lacks a repository', async () => {
    const config = project();
    const docker = fakeDocker();
    const io = recordingIo({ ...docker.env });
    expect(await main(['image', 'push', 'feature/x', '--config', config], io)).toBe(1);
    expect(io.stderr()).toContain('image push needs the commit');

    ecr.on(DescribeImagesCommand).rejects(awsError('RepositoryNotFoundException'));
    const missing = recordingIo({ ...docker.env });
    expect(
      await main(['image', 'push', 'feature/x', '--commit', SHA, '--config', config], missing),
    ).toBe(1);
    expect(missing.stderr()).toContain('run `branch-env bootstrap`');
  });
});

describe('deploy and the images (readyImages)', () => {
  const env = () => resolveEnvironment('feature/new-login', loadConfig(project(), dir).config);

  it('in CI waits for image push, with progress, and fails naming it when the images never come', async () => {
    const e = env();
    const io = recordingIo();
    let polls = 0;
    await expect(
      awaitImages(testClients(), e, SHA, {
        io,
        timeoutMs: 30_000,
        pollMs: 10_000,
        sleep: async () => void polls++,
      }),
    ).rejects.toThrow(/are not in the platform's repositories after 1 min/);
    expect(polls).toBe(3);
    expect(io.stderr()).toContain('waiting for image(s) service:web, service:api, job:migrate');

    // Pushed while it waits: deploy goes on.
    let n = 0;
    ecr.on(DescribeImagesCommand).callsFake(() => {
      if (++n <= 3) throw awsError('ImageNotFoundException');
      return { imageDetails: [{}] };
    });
    await expect(
      readyImages(testClients(), e, {
        commit: SHA,
        ci: true,
        io,
        configDirectory: dir,
        sleep: async () => {},
      }),
    ).resolves.toBe(SHA);
  });

  it('on a laptop (no --ci) builds the missing images itself, tagged local-<time> without a commit', async () => {
    const e = env();
    const docker = fakeDocker();
    const io = recordingIo({ ...docker.env });
    const tag = await readyImages(testClients(), e, {
      commit: 'unknown',
      ci: false,
      io,
      configDirectory: dir,
    });
    expect(tag).toMatch(/^local-\d{8}t\d{6}z$/);
    expect(docker.calls().filter((c) => c.argv[0] === 'buildx')).toHaveLength(3);
  });

  it('the build arguments carry no shell: each value is its own argument', () => {
    const args = buildxArgs(
      {
        unit: { kind: 'service', name: 'web' },
        repository: 'r',
        context: '.',
        dockerfile: 'Dockerfile',
        target: undefined,
        args: { A: '$(rm -rf /); echo' },
        platform: 'linux/arm64',
      },
      'host/r',
      SHA,
      dir,
    );
    expect(args).toContain('A=$(rm -rf /); echo');
  });
});
