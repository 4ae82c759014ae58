import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { environmentAppFromContext } from '@branch-env/cdk';
import {
  ENVIRONMENT_CONTEXT,
  environmentContext,
  LISTENER_RULE_RESOURCE_TYPE,
  UserError,
  type Config,
} from '@branch-env/core';
import { resourcesOf, type Template } from './helpers.js';

// The context `branch-env deploy` writes for an app of the user's own (`environmentContext`), read
// back by `environmentAppFromContext`: every value deploy computed reaches the stack.

const work = mkdtempSync(join(tmpdir(), 'from-context-'));
afterAll(() => rmSync(work, { recursive: true, force: true }));

const CONFIG = join(work, 'branch-env.config.json');
writeFileSync(
  CONFIG,
  JSON.stringify({
    app: 'kiosk',
    accounts: {
      development: {
        id: '111111111111',
        region: 'eu-west-1',
        deployRoleArn: 'arn:aws:iam::111111111111:role/branch-env-deploy',
        domain: { name: 'kiosk-preview.example.org', hostedZoneId: 'Z0KIOSKEXAMPLE000001' },
        platform: { availabilityZones: ['eu-west-1a', 'eu-west-1b'], loadBalancers: 2 },
      },
    },
    profiles: {
      preview: {
        isolation: 'shared',
        database: { engine: 'none' },
        cloudfront: false,
        customDomain: true,
        task: { cpu: 256, memoryMiB: 512, minTasks: 1, maxTasks: 2 },
      },
    },
    defaults: { profile: 'preview' },
    rules: [{ branch: '**', account: 'development', profile: 'preview' }],
    services: {
      kiosk: {
        image: 'public.ecr.aws/nginx/nginx:1.27',
        port: 80,
        healthCheck: { path: '/' },
        secrets: ['API_TOKEN'],
        expose: { routes: ['/'] },
      },
    },
  } satisfies Record<string, unknown> as unknown as Config),
);

const BRANCH = 'feature/queue';
const APP_SECRET = '/kiosk/secrets/API_TOKEN';

function build(values: Partial<Parameters<typeof environmentContext>[0]>): Template {
  const context = environmentContext({
    branch: BRANCH,
    config: CONFIG,
    commit: '0123456789abcdef0123456789abcdef01234567',
    nag: false,
    validate: false,
    ...values,
  });
  const { app, stacks } = environmentAppFromContext({
    context,
    outdir: mkdtempSync(join(work, 'out-')),
  });
  const stack = stacks.at(-1)!;
  return app.synth().getStackByName(stack.stackName).template as Template;
}

/** The priorities of a shared environment's rules (`Custom::BranchEnvListenerRule`). */
const priorityOf = (t: Template) =>
  resourcesOf(t, LISTENER_RULE_RESOURCE_TYPE).map(([, r]) => Number(r.Properties?.Priority));
const desiredCountOf = (t: Template) =>
  resourcesOf(t, 'AWS::ECS::Service').map(([, r]) => r.Properties?.DesiredCount);

describe('environmentAppFromContext reads what branch-env deploy writes', () => {
  const written = build({
    firstCreate: true,
    listenerRule: { loadBalancer: 1, priority: 4321, priorities: [4321] },
    secretSources: { API_TOKEN: APP_SECRET },
  });
  const offline = build({});

  it('the listener rule placement deploy claimed, not the offline one', () => {
    expect(priorityOf(written)).toEqual([4321]);
    expect(priorityOf(offline)).not.toEqual([4321]);
    // Load balancer 1's listener, read from the platform's SSM parameter.
    const listenerOf = (t: Template) =>
      Object.values((t.Parameters ?? {}) as Record<string, { Default?: string }>)
        .map((p) => p.Default)
        .filter((d) => d?.endsWith('/listener-arn'));
    expect(listenerOf(written)).toEqual(['/kiosk/_platform/load-balancer/1/listener-arn']);
    expect(listenerOf(offline)).toEqual(['/kiosk/_platform/load-balancer/0/listener-arn']);
  });

  it('firstCreate sets the task count of a service that scales (2 > 1)', () => {
    expect(desiredCountOf(written)).toEqual([1]);
    expect(desiredCountOf(offline)).toEqual([undefined]);
  });

  it('the secret sources deploy resolved (the app-wide value)', () => {
    expect(JSON.stringify(written)).toContain(APP_SECRET);
    expect(JSON.stringify(offline)).not.toContain(APP_SECRET);
    expect(JSON.stringify(offline)).toContain('/kiosk/feature-queue/secrets/API_TOKEN');
  });

  it('-c strings are read as the values they spell', () => {
    const strings = build({
      firstCreate: 'true' as unknown as boolean,
      listenerRule: '{"loadBalancer":0,"priority":77}' as unknown as {
        loadBalancer: 0;
        priority: 77;
      },
    });
    expect(priorityOf(strings)).toEqual([77]);
    expect(desiredCountOf(strings)).toEqual([1]);
  });

  it('fails on context values it cannot read, naming each key', () => {
    const read = () =>
      environmentAppFromContext({
        context: {
          [ENVIRONMENT_CONTEXT.branch]: BRANCH,
          [ENVIRONMENT_CONTEXT.config]: CONFIG,
          [ENVIRONMENT_CONTEXT.firstCreate]: 'yes',
          [ENVIRONMENT_CONTEXT.listenerRule]: { loadBalancer: 0, priority: 0 },
          [ENVIRONMENT_CONTEXT.secretSources]: { API_TOKEN: 42 },
        },
      });
    expect(read).toThrow(UserError);
    expect(read).toThrow(/branch-env:first-create: "yes" is not true or false/);
    expect(read).toThrow(/branch-env:listener-rule: .* is not \{ "loadBalancer"/);
    expect(read).toThrow(/branch-env:secret-sources: .* is not \{ "<SECRET>"/);
  });
});

describe('environmentAppFromContext and the platform images (docs/images.md)', () => {
  it("runs the image tag deploy pushed (branch-env:image-tag), else the commit's", () => {
    const dir = mkdtempSync(join(work, 'built-'));
    const config = join(dir, 'branch-env.config.json');
    const raw = JSON.parse(readFileSync(CONFIG, 'utf8')) as Record<string, any>;
    raw.services.kiosk = { ...raw.services.kiosk, image: undefined, build: { context: '.' } };
    writeFileSync(config, JSON.stringify(raw));
    writeFileSync(join(dir, 'Dockerfile'), 'FROM scratch\n');
    const imageOf = (values: Record<string, unknown>) => {
      const { app, stacks } = environmentAppFromContext({
        context: environmentContext({
          branch: BRANCH,
          config,
          commit: '0123456789abcdef0123456789abcdef01234567',
          nag: false,
          validate: false,
          ...values,
        }),
        outdir: mkdtempSync(join(dir, 'out-')),
      });
      const template = app.synth().getStackByName(stacks.at(-1)!.stackName).template as Template;
      const [[, task]] = resourcesOf(template, 'AWS::ECS::TaskDefinition');
      return JSON.stringify(
        (task!.Properties?.ContainerDefinitions as { Image: unknown }[])[0]!.Image,
      );
    };
    expect(imageOf({ imageTag: 'local-20261206t073137z' })).toContain(
      '/kiosk-platform/unprotected/services/kiosk:local-20261206t073137z',
    );
    expect(imageOf({})).toContain(
      '/kiosk-platform/unprotected/services/kiosk:0123456789abcdef0123456789abcdef01234567',
    );
  });
});
