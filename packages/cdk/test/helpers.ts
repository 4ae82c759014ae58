import { readFileSync } from 'node:fs';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { App, Stack } from 'aws-cdk-lib';
import { createEnvironmentApp, type EnvironmentAppProps } from '@branch-env/cdk';
import {
  parseConfig,
  validateConfig,
  resolveEnvironment,
  type Config,
  type ResolvedEnvironment,
} from '@branch-env/core';

export const ROOT = join(import.meta.dirname, '..', '..', '..');

/** A template as synthesized (plain JSON). */
export interface Template {
  readonly Resources: Record<string, TemplateResource>;
  readonly [key: string]: unknown;
}
export interface TemplateResource {
  readonly Type: string;
  readonly Properties?: Record<string, unknown>;
  readonly DeletionPolicy?: string;
  readonly UpdateReplacePolicy?: string;
  readonly DependsOn?: string | string[];
}

/**
 * The repository's config plus test-only rules and profiles: `full/**` resolves to the full profile
 * unprotected (the repository routes full only to protected long-lived branches), and a few
 * variants of the other engines and of the domain / region.
 */
export function testConfig(): Config {
  const raw = JSON.parse(readFileSync(join(ROOT, 'branch-env.config.json'), 'utf8')) as {
    accounts: Record<string, unknown>;
    profiles: Record<string, Record<string, unknown>>;
    rules: unknown[];
  };
  const full = raw.profiles.full ?? {};
  // The repository's preview is shared (a thin stack on the account platform); these tests build
  // the dedicated composition of the same knobs under that name, and the shared one as
  // `preview-shared` (shared/**).
  const preview = raw.profiles.preview ?? {};
  raw.profiles['preview-shared'] = { ...preview };
  preview.isolation = 'dedicated';
  raw.profiles['aurora'] = { ...full, database: { engine: 'aurora-postgres' } };
  raw.profiles['bare'] = {
    ...preview,
    database: { engine: 'none' },
    cloudfront: false,
    customDomain: false,
  };
  raw.accounts['europe'] = {
    id: '333333333333',
    region: 'eu-west-1',
    deployRoleArn: 'arn:aws:iam::333333333333:role/branch-env-deploy',
    domain: { name: 'eu.branch-env.example.org', hostedZoneId: 'Z0EUEXAMPLE000000001' },
  };
  raw.rules.unshift(
    { branch: 'full/**', account: 'development', profile: 'full' },
    { branch: 'shared/**', account: 'development', profile: 'preview-shared' },
    { branch: 'aurora/**', account: 'development', profile: 'aurora' },
    { branch: 'bare/**', account: 'development', profile: 'bare' },
    { branch: 'europe/**', account: 'europe', profile: 'full' },
  );
  return parseConfig(raw);
}

export function environmentOf(branch: string, config: Config = testConfig()): ResolvedEnvironment {
  return resolveEnvironment(branch, config);
}

export interface Synthesized {
  readonly environment: ResolvedEnvironment;
  readonly app: App;
  readonly stacks: Stack[];
  /** Templates by stack name. */
  readonly templates: Record<string, Template>;
  /** The environment stack's template. */
  readonly main: Template;
}

const outdirs: string[] = [];

/** A fresh cloud assembly directory, removed by {@link removeOutdirs}. */
export function outdir(): string {
  const dir = mkdtempSync(join(tmpdir(), 'branch-env-cdk-'));
  outdirs.push(dir);
  return dir;
}

/** Remove every cloud assembly the tests of this file wrote (call in afterAll). */
export function removeOutdirs(): void {
  for (const dir of outdirs.splice(0)) rmSync(dir, { recursive: true, force: true });
}

/** Build and synthesize one environment (nag on: synthesis fails on any open cdk-nag error). */
export function synthesize(
  branch: string,
  props: Partial<EnvironmentAppProps> = {},
  config: Config = testConfig(),
): Synthesized {
  const environment = environmentOf(branch, config);
  const { app, stacks } = createEnvironmentApp({
    environment,
    outdir: outdir(),
    validate: false,
    commit: '0123456789abcdef0123456789abcdef01234567',
    // A tiny image context: fingerprinting the repository root (the real context) while other
    // test files write into it could race. One test synthesizes with the real default.
    serviceImage: { directory: join(import.meta.dirname, 'fixtures', 'service') },
    ...props,
  });
  const assembly = app.synth();
  const templates: Record<string, Template> = {};
  for (const stack of stacks) {
    templates[stack.stackName] = assembly.getStackByName(stack.stackName).template as Template;
  }
  const main = templates[environment.stacks.main];
  if (!main) throw new Error(`no template for ${environment.stacks.main}`);
  return { environment, app, stacks, templates, main };
}

export function resourcesOf(template: Template, type: string): [string, TemplateResource][] {
  return Object.entries(template.Resources).filter(([, r]) => r.Type === type);
}

export function onlyResource(template: Template, type: string): TemplateResource {
  const found = resourcesOf(template, type);
  if (found.length !== 1) throw new Error(`expected one ${type}, found ${found.length}`);
  return found[0]![1];
}

/** Tags of a resource as a record, whether the template has them as a list or a map. */
export function tagsOf(resource: TemplateResource): Record<string, string> {
  const tags = resource.Properties?.Tags ?? resource.Properties?.tags;
  if (Array.isArray(tags)) {
    return Object.fromEntries(
      (tags as { Key: string; Value: string }[]).map((t) => [t.Key, t.Value]),
    );
  }
  if (tags && typeof tags === 'object') return tags as Record<string, string>;
  return {};
}

/** Container definitions of the service task. */
function containers(template: Template): Record<string, unknown>[] {
  const task = onlyResource(template, 'AWS::ECS::TaskDefinition');
  return task.Properties?.ContainerDefinitions as Record<string, unknown>[];
}

export function container(template: Template, name: string): Record<string, unknown> {
  const found = containers(template).find((c) => c.Name === name);
  if (!found) throw new Error(`no container ${name}`);
  return found;
}

/**
 * An app that is not the sample: a routed front-end on `/`, a routed API on `/api/*`, an internal
 * search service, a worker, a migration job on every deploy and a seed job on the first create.
 */
const MULTI_SERVICES = {
  web: {
    build: { context: 'service' },
    port: 3000,
    healthCheck: { path: '/health' },
    expose: { routes: ['/'] },
  },
  api: {
    image: 'public.ecr.aws/docker/library/python:3.13-slim',
    port: 5000,
    healthCheck: { path: '/api/healthz', gracePeriodSeconds: 30 },
    cpu: 512,
    memoryMiB: 1024,
    secrets: ['API_TOKEN'],
    expose: { routes: ['/api/*'] },
  },
  search: {
    image: 'public.ecr.aws/docker/library/nginx:1.27',
    port: 9200,
    expose: 'internal',
  },
  worker: {
    image: 'public.ecr.aws/docker/library/python:3.13-slim',
    command: ['python', '-m', 'worker'],
    minTasks: 2,
    maxTasks: 2,
    expose: 'none',
  },
};
const MULTI_JOBS = {
  migrate: { service: 'api', command: ['python', '-m', 'migrate'] },
  seed: { service: 'api', command: ['python', '-m', 'seed'], when: 'first-create' },
};

/** The test config with the app above; databases that a sidecar would hold become none/documentdb. */
export function multiServiceConfig(): Config {
  const raw = structuredClone(testConfig()) as unknown as Record<string, unknown> & {
    profiles: Record<string, { database?: { engine: string } }>;
  };
  for (const profile of Object.values(raw.profiles))
    if (profile.database?.engine === 'mongodb-container') profile.database = { engine: 'none' };
  const config = parseConfig({
    ...raw,
    services: MULTI_SERVICES,
    jobs: MULTI_JOBS,
    site: undefined,
  });
  const issues = validateConfig(config);
  if (issues.length > 0) throw new Error(`multiServiceConfig: ${JSON.stringify(issues)}`);
  return config;
}
