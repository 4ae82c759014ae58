import { readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { HEALTH_PATHS } from '../src/app.js';
import { DEFAULT_CA_FILE, loadSettings } from '../src/settings.js';

// Docker is not available here: the image cannot be built in tests. These checks hold the
// Dockerfile to what the code and the CDK stack expect.
const apiDir = join(dirname(fileURLToPath(import.meta.url)), '..');
const dockerfile = readFileSync(join(apiDir, 'Dockerfile'), 'utf8');
const instructions = dockerfile
  .replace(/\\\n\s*/g, ' ')
  .split('\n')
  .map((l) => l.trim())
  .filter((l) => l !== '' && !l.startsWith('#'));
const froms = instructions.filter((l) => l.startsWith('FROM '));
const runtime = instructions.slice(instructions.lastIndexOf(froms.at(-1) as string));

describe('apps/api/Dockerfile', () => {
  it('pins the base image to an exact Node.js LTS release (no latest, no floating major)', () => {
    const arg = /^ARG NODE_IMAGE=node:(\d+)\.(\d+)\.(\d+)-(bookworm|trixie)-slim$/m.exec(
      dockerfile,
    );
    expect(arg, 'ARG NODE_IMAGE=node:<x.y.z>-<debian>-slim').not.toBeNull();
    expect(Number(arg?.[1]) % 2).toBe(0); // even majors are the LTS lines
    expect(froms).toHaveLength(2);
    for (const f of froms) expect(f).toMatch(/\$\{NODE_IMAGE\}/);
  });

  it('builds on the build platform and runs on the target platform (arm64 and x86)', () => {
    expect(froms[0]).toMatch(/^FROM --platform=\$BUILDPLATFORM \$\{NODE_IMAGE\} AS build$/);
    expect(froms[1]).not.toContain('--platform');
    expect(runtime.some((l) => l.startsWith('RUN '))).toBe(false); // nothing runs under emulation
    expect(instructions.join('\n')).not.toMatch(/amd64|x86_64|aarch64|arm64v8/);
  });

  it('runs as a non-root user', () => {
    const users = runtime.filter((l) => l.startsWith('USER '));
    expect(users).toEqual(['USER node']);
    const cmdIndex = runtime.findIndex((l) => l.startsWith('CMD '));
    expect(runtime.findIndex((l) => l.startsWith('USER '))).toBeLessThan(cmdIndex);
  });

  it('probes the liveness path the service serves, on the port it listens on', () => {
    const health = runtime.find((l) => l.startsWith('HEALTHCHECK '));
    expect(health).toContain(`'${HEALTH_PATHS.liveness}'`);
    const port = loadSettings({ DATABASE_ENGINE: 'memory' }).port;
    expect(runtime).toContain(`EXPOSE ${port}`);
    expect(health).toContain(`process.env.PORT||${port}`);
  });

  it('ships the AWS CA bundle where the service looks for it', () => {
    expect(dockerfile).toContain(
      'ADD https://truststore.pki.rds.amazonaws.com/global/global-bundle.pem /src/certs/global-bundle.pem',
    );
    expect(runtime.join('\n')).toContain(`DATABASE_CA_FILE=${DEFAULT_CA_FILE}`);
    expect(runtime).toContain(
      `COPY --from=build /src/certs/global-bundle.pem ./certs/global-bundle.pem`,
    );
    expect(runtime).toContain('WORKDIR /app');
    expect(DEFAULT_CA_FILE).toBe('/app/certs/global-bundle.pem');
  });

  it('copies the bundle the bundle script writes and runs it', () => {
    const script = readFileSync(join(apiDir, 'scripts', 'bundle.mjs'), 'utf8');
    expect(script).toContain("join(root, 'dist', 'bundle')");
    expect(script).toContain("outfile: join(outdir, 'server.mjs')");
    expect(instructions).toContain(
      'RUN npx tsc -b apps/api && npm run bundle --workspace @branch-env/api',
    );
    const pkg = JSON.parse(readFileSync(join(apiDir, 'package.json'), 'utf8')) as {
      scripts: Record<string, string>;
    };
    expect(pkg.scripts.bundle).toBe('node scripts/bundle.mjs');
    expect(runtime).toContain('COPY --from=build /src/apps/api/dist/bundle/ ./');
    expect(runtime.at(-1)).toBe('CMD ["node", "--enable-source-maps", "server.mjs"]');
  });

  it('keeps node_modules and build output out of the repository-root build context', () => {
    const ignore = readFileSync(join(apiDir, 'Dockerfile.dockerignore'), 'utf8').split('\n');
    for (const p of ['**/node_modules', '**/dist', '**/cdk.out', '.git'])
      expect(ignore).toContain(p);
    expect(dockerfile).toMatch(/BUILD CONTEXT = THE REPOSITORY ROOT/);
  });
});
