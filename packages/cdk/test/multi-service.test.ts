import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { afterAll, describe, expect, it } from 'vitest';
import {
  auditTeardown,
  JOB_RUN_RESOURCE_TYPE,
  LISTENER_RULE_RESOURCE_TYPE,
  TAG_KEYS,
  JOB_ROLE_PATH,
  preferredPriority,
  type CfnTemplate,
} from '@branch-env/core';
import {
  multiServiceConfig,
  removeOutdirs,
  resourcesOf,
  synthesize,
  tagsOf,
  type Template,
  type TemplateResource,
} from './helpers.js';

afterAll(removeOutdirs);

const FIXTURES = join(import.meta.dirname, 'fixtures');

interface Container {
  Name: string;
  PortMappings?: { ContainerPort: number; Name?: string }[];
  Command?: string[];
  Secrets?: { Name: string }[];
}

function taskDefinitions(
  t: Template,
): { Cpu: string; Memory: string; ContainerDefinitions: Container[] }[] {
  return resourcesOf(t, 'AWS::ECS::TaskDefinition').map(
    ([, r]) => r.Properties as { Cpu: string; Memory: string; ContainerDefinitions: Container[] },
  );
}

function taskOf(t: Template, container: string) {
  const task = taskDefinitions(t).find((d) =>
    d.ContainerDefinitions.some((c) => c.Name === container),
  );
  if (task === undefined) throw new Error(`no task definition with container ${container}`);
  return task;
}

/**
 * The environment's listener rules as priority and path patterns: a dedicated environment's own
 * `AWS::ElasticLoadBalancingV2::ListenerRule`s, a shared environment's
 * `Custom::BranchEnvListenerRule`s (the platform's router writes them).
 */
function rules(t: Template): { Priority: number; paths: string[] }[] {
  const own = resourcesOf(t, 'AWS::ElasticLoadBalancingV2::ListenerRule').map(([, r]) => {
    const p = r.Properties as {
      Priority: number;
      Conditions: { Field: string; PathPatternConfig?: { Values: string[] } }[];
    };
    return {
      Priority: p.Priority,
      paths: p.Conditions.find((c) => c.Field === 'path-pattern')?.PathPatternConfig?.Values ?? [],
    };
  });
  const routed = resourcesOf(t, LISTENER_RULE_RESOURCE_TYPE).map(([, r]) => {
    const p = r.Properties as { Priority: string; Paths: string[] };
    return { Priority: Number(p.Priority), paths: p.Paths };
  });
  return [...own, ...routed];
}

const pathsOf = (rule: ReturnType<typeof rules>[number]) => rule.paths;

for (const [kind, branch] of [
  ['dedicated', 'bare/multi'],
  ['shared', 'shared/multi'],
] as const) {
  describe(`a ${kind} environment of several services and jobs`, () => {
    const built = synthesize(
      branch,
      { serviceImage: undefined, configDirectory: FIXTURES, siteDirectory: null },
      multiServiceConfig(),
    );
    const t = built.main;

    it('has one ECS service, task definition, log group and task role per service, and one task definition per job', () => {
      expect(resourcesOf(t, 'AWS::ECS::Service')).toHaveLength(4);
      expect(taskDefinitions(t)).toHaveLength(6);
      const logGroups = resourcesOf(t, 'AWS::Logs::LogGroup').map(
        ([, r]) => (r.Properties as { LogGroupName?: string }).LogGroupName,
      );
      for (const unit of [
        'service/web',
        'service/api',
        'service/search',
        'service/worker',
        'job/migrate',
        'job/seed',
      ])
        expect(logGroups).toContain(`/branch-env-demo/${built.environment.name}/${unit}`);
    });

    it("sizes each task from the resolved service, not the profile's task", () => {
      expect(taskOf(t, 'api')).toMatchObject({ Cpu: '512', Memory: '1024' });
      expect(taskOf(t, 'migrate')).toMatchObject({ Cpu: '512', Memory: '1024' });
    });

    it('gives jobs their command and their service secrets as ECS secrets', () => {
      const migrate = taskOf(t, 'migrate').ContainerDefinitions.find((c) => c.Name === 'migrate');
      expect(migrate?.Command).toEqual(['python', '-m', 'migrate']);
      expect(migrate?.Secrets?.map((s) => s.Name)).toContain('API_TOKEN');
      expect(migrate?.PortMappings ?? []).toEqual([]);
    });

    it('routes /api/* before the catch-all /, one rule and target group per routed service', () => {
      expect(resourcesOf(t, 'AWS::ElasticLoadBalancingV2::TargetGroup')).toHaveLength(2);
      const api = rules(t).find((r) => pathsOf(r).includes('/api/*'));
      expect(api).toBeDefined();
      const others = rules(t).filter((r) => r !== api && pathsOf(r).length === 0);
      if (kind === 'shared') {
        // Both on the platform listener: the API's rule first, the host-only catch-all after it.
        expect(rules(t)).toHaveLength(2);
        expect(others).toHaveLength(1);
        expect(api!.Priority).toBeLessThan(others[0]!.Priority);
        expect(api!.Priority).toBe(preferredPriority(built.environment.name));
      } else {
        // The dedicated listener's default action is the catch-all (web).
        expect(api!.Priority).toBe(1);
      }
    });

    it('publishes the internal service with Service Connect in a namespace of its own; every service is a client', () => {
      expect(resourcesOf(t, 'AWS::ServiceDiscovery::HttpNamespace')).toHaveLength(1);
      const connect = resourcesOf(t, 'AWS::ECS::Service').map(
        ([, r]) =>
          (
            r.Properties as {
              ServiceConnectConfiguration?: { Enabled: boolean; Services?: { PortName: string }[] };
            }
          ).ServiceConnectConfiguration,
      );
      expect(connect.every((c) => c?.Enabled === true)).toBe(true);
      expect(connect.filter((c) => (c?.Services ?? []).length > 0)).toHaveLength(1);
      const search = taskOf(t, 'search').ContainerDefinitions[0];
      expect(search?.PortMappings).toEqual([
        expect.objectContaining({ ContainerPort: 9200, Name: 'http' }),
      ]);
    });

    it('admits the internal service only from the environment’s own services and jobs', () => {
      const ingress = resourcesOf(t, 'AWS::EC2::SecurityGroupIngress')
        .map(
          ([, r]) =>
            r.Properties as { FromPort: number; CidrIp?: string; SourceSecurityGroupId?: unknown },
        )
        .filter((r) => r.FromPort === 9200);
      // web, api, worker and the jobs.
      expect(ingress).toHaveLength(4);
      expect(
        ingress.every((r) => r.CidrIp === undefined && r.SourceSecurityGroupId !== undefined),
      ).toBe(true);
    });

    it('gives the worker no port, target group or ingress', () => {
      const worker = taskOf(t, 'worker').ContainerDefinitions.find((c) => c.Name === 'worker');
      expect(worker?.PortMappings ?? []).toEqual([]);
      expect(worker?.Command).toEqual(['python', '-m', 'worker']);
    });

    it('runs each job in the stack update, in config order, before every ECS service', () => {
      const runs = resourcesOf(t, JOB_RUN_RESOURCE_TYPE);
      expect(runs.map(([, r]) => (r.Properties as { JobName: string }).JobName)).toEqual([
        'migrate',
        'seed',
      ]);
      const [[migrateId, migrate], [seedId, seed]] = runs as [
        [string, TemplateResource],
        [string, TemplateResource],
      ];
      const taskId = resourcesOf(t, 'AWS::ECS::TaskDefinition').find(([, r]) =>
        JSON.stringify(r.Properties).includes('"Name":"migrate"'),
      )?.[0];
      // A new task definition revision (new image or settings) updates the run: it runs again.
      expect(migrate.Properties).toMatchObject({
        TaskDefinition: { Ref: taskId },
        Container: 'migrate',
        When: 'before-traffic',
        TimeoutMinutes: '10',
        StartedBy: `branch-env-deploy-${built.environment.name}`,
      });
      // Only a first-create job is told whether this deploy creates the environment: a
      // before-traffic run must not change (and run again) on the deploy after the create.
      expect(migrate.Properties).not.toHaveProperty('EnvironmentCreate');
      expect(seed.Properties).toMatchObject({ When: 'first-create', EnvironmentCreate: 'false' });
      expect([seed.DependsOn ?? []].flat()).toContain(migrateId);
      const services = resourcesOf(t, 'AWS::ECS::Service');
      expect(services.length).toBeGreaterThanOrEqual(3);
      for (const [id, service] of services)
        expect([service.DependsOn ?? []].flat(), id).toEqual(
          expect.arrayContaining([migrateId, seedId]),
        );
    });

    it('gives the job-run handler only what running the jobs needs', () => {
      const [[, policy]] = resourcesOf(t, 'AWS::IAM::Policy').filter(([id]) =>
        id.startsWith('ServicesJobRunsHandlerPolicy'),
      ) as [[string, TemplateResource]];
      const statements = (
        policy.Properties as {
          PolicyDocument: {
            Statement: { Sid: string; Action: unknown; Resource: unknown; Condition?: unknown }[];
          };
        }
      ).PolicyDocument.Statement;
      const bySid = Object.fromEntries(statements.map((st) => [st.Sid, st]));
      expect(Object.keys(bySid).sort()).toEqual([
        'Logs',
        'PassTheJobRoles',
        'ReadTheJobLogs',
        'ReadTheStack',
        'RunTheJobs',
        'TagTheJobTasks',
        'WatchTheJobTasks',
      ]);
      const env = built.environment;
      expect(JSON.stringify(bySid.RunTheJobs!.Resource)).toContain(
        `:task-definition/branch-env-demo-${env.name}-job-migrate:*`,
      );
      expect(bySid.RunTheJobs!.Condition).toHaveProperty(['ArnEquals', 'ecs:cluster']);
      expect(bySid.WatchTheJobTasks!.Condition).toHaveProperty(['ArnEquals', 'ecs:cluster']);
      // TagResource has no ecs:cluster key: a condition on it would deny RunTask's tagging.
      expect(bySid.TagTheJobTasks!.Condition).toEqual({
        StringEquals: { 'ecs:CreateAction': 'RunTask' },
      });
      expect(bySid.PassTheJobRoles!.Condition).toEqual({
        StringEquals: { 'iam:PassedToService': 'ecs-tasks.amazonaws.com' },
      });
      // Exactly the jobs' task and execution roles.
      const jobRoles = resourcesOf(t, 'AWS::IAM::Role')
        .filter(([, r]) => (r.Properties as { Path?: string }).Path === JOB_ROLE_PATH)
        .map(([id]) => ({ 'Fn::GetAtt': [id, 'Arn'] }));
      expect(bySid.PassTheJobRoles!.Resource).toEqual(expect.arrayContaining(jobRoles));
      expect(bySid.PassTheJobRoles!.Resource).toHaveLength(jobRoles.length);
      expect(bySid.ReadTheStack!.Resource).toEqual({ Ref: 'AWS::StackId' });
      expect(bySid.ReadTheStack!.Action).toBe('cloudformation:DescribeStacks');
    });

    it("waits for the job's task definition, roles and log group, and for the subnets' routes", () => {
      const [[, migrate]] = resourcesOf(t, JOB_RUN_RESOURCE_TYPE) as [[string, TemplateResource]];
      const dependsOn = [migrate.DependsOn ?? []].flat();
      const own = Object.keys(t.Resources).filter((id) => id.startsWith('ServicesJobmigrate'));
      expect(own.length).toBeGreaterThanOrEqual(6);
      expect(dependsOn).toEqual(expect.arrayContaining(own));
      if (kind === 'dedicated')
        expect(dependsOn).toEqual(
          expect.arrayContaining(
            resourcesOf(t, 'AWS::EC2::Route')
              .filter(([id]) => id.startsWith('NetworkVpcpublic'))
              .map(([id]) => id),
          ),
        );
    });

    it('names the job task definitions and puts their roles on the path deploy may pass', () => {
      const families = resourcesOf(t, 'AWS::ECS::TaskDefinition').map(
        ([, r]) => (r.Properties as { Family?: string }).Family,
      );
      expect(families).toContain(`branch-env-demo-${built.environment.name}-job-migrate`);
      const paths = resourcesOf(t, 'AWS::IAM::Role').map(
        ([, r]) => (r.Properties as { Path?: string }).Path,
      );
      // Task and execution role of each of the two jobs.
      expect(paths.filter((p) => p === JOB_ROLE_PATH)).toHaveLength(4);
    });

    it('passes the teardown audit', () => {
      expect(auditTeardown(t as CfnTemplate, { protected: false })).toEqual([]);
    });
  });
}

describe('the jobs of a new environment with a database of its own', () => {
  const built = synthesize(
    'aurora/multi',
    {
      serviceImage: undefined,
      configDirectory: FIXTURES,
      siteDirectory: null,
      firstCreate: true,
    },
    multiServiceConfig(),
  );
  const t = built.main;
  const runs = resourcesOf(t, JOB_RUN_RESOURCE_TYPE);

  it('run once the database cluster, its instances and the rule that admits the jobs exist', () => {
    const [[, migrate]] = runs as [[string, TemplateResource]];
    const dependsOn = [migrate.DependsOn ?? []].flat();
    const database = [
      ...resourcesOf(t, 'AWS::RDS::DBCluster'),
      ...resourcesOf(t, 'AWS::RDS::DBInstance'),
      ...resourcesOf(t, 'AWS::EC2::SecurityGroupIngress').filter(
        ([id, r]) =>
          id.startsWith('Database') &&
          (r.Properties as { Description?: string }).Description === 'from the jobs',
      ),
    ].map(([id]) => id);
    expect(database.length).toBeGreaterThanOrEqual(3);
    expect(dependsOn).toEqual(expect.arrayContaining(database));
  });

  it('tell the handler that this deploy creates the environment (first-create jobs run)', () => {
    const seed = runs.find(([, r]) => (r.Properties as { When: string }).When === 'first-create');
    expect(seed?.[1].Properties).toMatchObject({ EnvironmentCreate: 'true' });
  });

  it('log the handler to a log group of the stack with the profile retention', () => {
    const [[, fn]] = resourcesOf(t, 'AWS::Lambda::Function').filter(([id]) =>
      id.startsWith('ServicesJobRunsHandler'),
    ) as [[string, TemplateResource]];
    const group = (fn.Properties as { LoggingConfig: { LogGroup: { Ref: string } } }).LoggingConfig
      .LogGroup.Ref;
    expect(group).toMatch(/^ServicesJobRunsHandlerLogs/);
    expect(t.Resources[group]?.Properties).toMatchObject({
      RetentionInDays: built.environment.profile.logRetentionDays,
    });
    expect(fn.Properties).toMatchObject({ Timeout: 900, Architectures: ['arm64'] });
  });

  it('bundle a handler that loads and answers (esbuild, at synth)', async () => {
    const [[, fn]] = resourcesOf(t, 'AWS::Lambda::Function').filter(([id]) =>
      id.startsWith('ServicesJobRunsHandler'),
    ) as [[string, TemplateResource]];
    // The asset's staged directory is `asset.<hash>` beside the template, the object `<prefix>/<hash>.zip`.
    const key = (fn.Properties as { Code: { S3Key: string } }).Code.S3Key;
    const bundle = join(
      built.app.outdir,
      `asset.${key.replace(/^.*\//, '').replace(/\.zip$/, '')}`,
      'index.mjs',
    );
    const loaded = (await import(pathToFileURL(bundle).href)) as {
      handler: unknown;
      runJob: (event: unknown, aws: unknown, clock: unknown) => Promise<{ Status: string }>;
    };
    expect(typeof loaded.handler).toBe('function');
    const response = await loaded.runJob(
      {
        RequestType: 'Delete',
        ResponseURL: 'https://example.invalid/',
        StackId: 'arn:aws:cloudformation:us-east-1:111111111111:stack/x/1',
        RequestId: 'r',
        LogicalResourceId: 'Run',
        PhysicalResourceId: 'job-run/Run/r',
        ResourceProperties: {},
      },
      {},
      {},
    );
    expect(response.Status).toBe('SUCCESS');
  });

  it("tag the handler's function, role and log group with the environment (the tag scan finds them)", () => {
    const handler = Object.entries(t.Resources).filter(
      ([id, r]) => id.startsWith('ServicesJobRunsHandler') && r.Type !== 'AWS::IAM::Policy',
    );
    expect(handler.map(([, r]) => r.Type).sort()).toEqual([
      'AWS::IAM::Role',
      'AWS::Lambda::Function',
      'AWS::Logs::LogGroup',
    ]);
    for (const [id, r] of handler)
      expect(tagsOf(r), id).toMatchObject({
        [TAG_KEYS.app]: built.environment.app,
        [TAG_KEYS.environment]: built.environment.name,
      });
  });
});
