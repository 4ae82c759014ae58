import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import {
  auditTeardown,
  JOB_NETWORK_OUTPUT,
  JOB_ROLE_PATH,
  preferredPriority,
  type CfnTemplate,
} from '@branch-env/core';
import {
  multiServiceConfig,
  removeOutdirs,
  resourcesOf,
  synthesize,
  type Template,
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

function rules(t: Template) {
  return resourcesOf(t, 'AWS::ElasticLoadBalancingV2::ListenerRule').map(
    ([, r]) =>
      r.Properties as {
        Priority: number;
        Conditions: { Field: string; PathPatternConfig?: { Values: string[] } }[];
      },
  );
}

const pathsOf = (rule: ReturnType<typeof rules>[number]) =>
  rule.Conditions.find((c) => c.Field === 'path-pattern')?.PathPatternConfig?.Values ?? [];

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

    it('publishes where deploy runs the jobs as stack outputs', () => {
      const outputs = (t as { Outputs?: Record<string, { Value: unknown }> }).Outputs ?? {};
      expect(Object.keys(outputs)).toEqual(
        expect.arrayContaining([JOB_NETWORK_OUTPUT, 'BranchEnvJob0', 'BranchEnvJob1']),
      );
      // Values are CloudFormation expressions until deployed: the JSON around them is literal.
      const migrate = JSON.stringify(outputs.BranchEnvJob0?.Value);
      expect(migrate).toContain('\\"name\\":\\"migrate\\"');
      const taskId = resourcesOf(t, 'AWS::ECS::TaskDefinition').find(([, r]) =>
        JSON.stringify(r.Properties).includes('"Name":"migrate"'),
      )?.[0];
      expect(migrate).toContain(`{"Ref":"${taskId}"}`);
      expect(JSON.stringify(outputs[JOB_NETWORK_OUTPUT]?.Value)).toContain('assignPublicIp');
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
