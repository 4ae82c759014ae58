import { join } from 'node:path';
import { LISTENER_RULE_RESOURCE_TYPE, parseConfig, validateConfig } from '@branch-env/core';
import { afterAll, describe, expect, it } from 'vitest';
import { removeOutdirs, synthesize, testConfig, type Template } from './helpers.js';

/**
 * A push that changes only the code of the images (docs/images.md): the same branch synthesized at
 * two commits. On an account with a platform the stacks run `<repository>:<commit>` from the
 * platform's repositories, so the templates differ in the task definitions' image and the commit
 * variable only: CloudFormation's change set replaces the task definitions (a new revision) and
 * updates what references them, the ECS services and the job runs (jobs run again before traffic),
 * nothing else.
 */
const FIXTURES = join(import.meta.dirname, 'fixtures');
const A = '1111111111111111111111111111111111111111';
const B = '2222222222222222222222222222222222222222';

/** An app whose services and jobs are all built: three services, a job of its own, a job of a service's. */
function builtAppConfig() {
  const raw = structuredClone(testConfig()) as unknown as Record<string, unknown> & {
    profiles: Record<string, { database?: { engine: string } }>;
  };
  for (const profile of Object.values(raw.profiles))
    if (profile.database?.engine === 'mongodb-container') profile.database = { engine: 'none' };
  const config = parseConfig({
    ...raw,
    services: {
      web: {
        build: { context: 'service' },
        port: 3000,
        healthCheck: { path: '/health' },
        expose: { routes: ['/'] },
      },
      api: {
        build: { context: 'service', target: 'api' },
        port: 5000,
        healthCheck: { path: '/api/healthz' },
        expose: { routes: ['/api/*'] },
      },
      worker: { build: { context: 'service' }, command: ['worker'], expose: 'none' },
    },
    jobs: {
      migrate: { build: { context: 'service' }, command: ['migrate'] },
      seed: { service: 'api', command: ['seed'] },
    },
    site: undefined,
  });
  const issues = validateConfig(config);
  if (issues.length > 0) throw new Error(JSON.stringify(issues));
  return config;
}

/** Every leaf that differs between two JSON values, as a path (`Resources.X.Properties...`). */
function differences(a: unknown, b: unknown, path: string[] = []): string[][] {
  if (JSON.stringify(a) === JSON.stringify(b)) return [];
  if (
    typeof a !== 'object' ||
    typeof b !== 'object' ||
    a === null ||
    b === null ||
    Array.isArray(a) !== Array.isArray(b)
  )
    return [path];
  const keys = new Set([...Object.keys(a), ...Object.keys(b)]);
  return [...keys].flatMap((k) =>
    differences((a as Record<string, unknown>)[k], (b as Record<string, unknown>)[k], [...path, k]),
  );
}

afterAll(removeOutdirs);

describe.each([
  ['shared', 'shared/image-only'],
  ['dedicated', 'bare/image-only'],
] as const)(
  'a push that changes only the image (%s profile, account with a platform)',
  (kind, branch) => {
    const config = builtAppConfig();
    const at = (commit: string) =>
      synthesize(
        branch,
        { commit, serviceImage: undefined, configDirectory: FIXTURES, siteDirectory: null },
        config,
      );
    const [first, second] = [at(A), at(B)];

    it("changes the task definitions only, each in its image tag and BRANCH_ENV_COMMIT (and, shared, the rules' revision, so a deploy wakes a sleeping environment)", () => {
      const all = differences(first.main, second.main);
      const resources = first.main.Resources;
      // A shared environment's rules carry the commit: each deploy updates them through the
      // platform's router, which wakes a sleeping environment (docs/platform.md).
      const revisions = all.filter((p) => resources[p[1]!]?.Type === LISTENER_RULE_RESOURCE_TYPE);
      for (const path of revisions) expect(path.slice(2)).toEqual(['Properties', 'Revision']);
      expect(revisions).toHaveLength(kind === 'shared' ? 2 : 0);
      const changed = all.filter((p) => !revisions.includes(p));
      const taskDefinitions = Object.keys(resources).filter(
        (id) => resources[id]!.Type === 'AWS::ECS::TaskDefinition',
      );
      // One per service and one per job.
      expect(taskDefinitions).toHaveLength(5);
      expect(new Set(changed.map((p) => `${p[0]}.${p[1]}`))).toEqual(
        new Set(taskDefinitions.map((id) => `Resources.${id}`)),
      );
      for (const path of changed) {
        const [, id, properties, definitions, index, field] = path;
        expect([properties, definitions], path.join('.')).toEqual([
          'Properties',
          'ContainerDefinitions',
        ]);
        const containerOf = (t: Template) =>
          (t.Resources[id!]!.Properties!.ContainerDefinitions as Record<string, unknown>[])[
            Number(index)
          ]!;
        if (field === 'Image') {
          expect(JSON.stringify(containerOf(first.main).Image)).toContain(`:${A}`);
          expect(JSON.stringify(containerOf(second.main).Image)).toContain(`:${B}`);
        } else {
          expect(field, path.join('.')).toBe('Environment');
          const variable = (containerOf(second.main).Environment as { Name: string }[])[
            Number(path[6])
          ];
          expect(variable?.Name).toBe('BRANCH_ENV_COMMIT');
        }
      }
    });

    it('creates no image repository of its own: it runs the platform repository of its class', () => {
      const types = Object.values(second.main.Resources).map((r) => r.Type);
      expect(types).not.toContain('AWS::ECR::Repository');
      expect(JSON.stringify(second.main)).toContain(
        'branch-env-demo-platform/unprotected/services/',
      );
    });

    it('so the change set touches the task definitions, the ECS services and the job runs that reference them, nothing else', () => {
      const resources = second.main.Resources;
      const changed = new Set(
        differences(first.main, second.main)
          .filter((p) => resources[p[1]!]?.Type !== LISTENER_RULE_RESOURCE_TYPE)
          .map((p) => p[1]!),
      );
      // What CloudFormation updates besides: every resource whose properties name a replaced task
      // definition (its ARN changes with the new revision).
      const referencing = Object.keys(resources).filter(
        (id) =>
          !changed.has(id) &&
          [...changed].some((td) =>
            JSON.stringify(resources[id]!.Properties ?? {}).includes(`{"Ref":"${td}"}`),
          ),
      );
      expect(new Set(referencing.map((id) => resources[id]!.Type))).toEqual(
        new Set(['AWS::ECS::Service', 'Custom::BranchEnvJobRun']),
      );
      // One service per service, one run per job: the jobs run again before traffic (by design).
      expect(referencing.filter((id) => resources[id]!.Type === 'AWS::ECS::Service')).toHaveLength(
        3,
      );
      expect(
        referencing.filter((id) => resources[id]!.Type === 'Custom::BranchEnvJobRun'),
      ).toHaveLength(2);
    });

    it('runs every built service and job from its platform repository, with no image asset left', () => {
      const images = Object.values(second.main.Resources)
        .filter((r) => r.Type === 'AWS::ECS::TaskDefinition')
        .map((r) =>
          JSON.stringify((r.Properties!.ContainerDefinitions as { Image: unknown }[])[0]!.Image),
        );
      for (const repository of ['services/web', 'services/api', 'services/worker', 'jobs/migrate'])
        expect(
          images.some((i) => i.includes(`-platform/unprotected/${repository}:${B}`)),
          repository,
        ).toBe(true);
      expect(JSON.stringify(second.main)).not.toContain('cdk-hnb659fds-container-assets');
    });
  },
);
