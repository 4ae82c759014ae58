import { describe, expect, it } from 'vitest';
import type { CfnTemplate, ResolvedEnvironment } from '@branch-env/core';
import { planServices, servicesText } from '../src/commands/plan/services-section.js';

type Service = ResolvedEnvironment['services'][number];
const task = {
  cpu: 256,
  memoryMiB: 512,
  architecture: 'arm64',
  spot: false,
  minTasks: 1,
  maxTasks: 2,
} as const;
const service = (name: string, expose: Service['expose'], port?: number): Service => ({
  name,
  sample: false,
  source: { kind: 'build', context: `services/${name}`, dockerfile: 'Dockerfile' },
  port,
  healthCheck: port === undefined ? undefined : { path: '/status', gracePeriodSeconds: 60 },
  task,
  command: undefined,
  environment: {},
  secrets: [],
  expose,
});

/** A template of ECS services, each with a task running the named containers. */
function template(services: Record<string, string[]>): CfnTemplate {
  const resources: Record<string, { Type: string; Properties: Record<string, unknown> }> = {};
  for (const [id, containers] of Object.entries(services)) {
    resources[id] = {
      Type: 'AWS::ECS::Service',
      Properties: { TaskDefinition: { Ref: `${id}Task` } },
    };
    resources[`${id}Task`] = {
      Type: 'AWS::ECS::TaskDefinition',
      Properties: { ContainerDefinitions: containers.map((Name) => ({ Name })) },
    };
  }
  return { Resources: resources } as CfnTemplate;
}

describe('plan services', () => {
  const env = {
    services: [
      service('shop', { routes: ['/', '/cart/*'] }, 9000),
      service('search', 'internal', 7700),
      service('mailer', 'none'),
    ],
  };

  it('gives each service its route, port, health path and the cost of its own ECS service', () => {
    const stacks = [
      { template: template({ ShopSvc: ['shop', 'mongodb'], SearchSvc: ['search'] }) },
    ];
    const lines = [
      { logicalIds: ['ShopSvc'], perHour: 0.01 },
      { logicalIds: ['ShopSvc'], perHour: 0.002 },
      { logicalIds: ['SearchSvc'], perHour: 0.005 },
      { logicalIds: ['Alb'], perHour: 0.0225 },
    ];
    const out = planServices(env, stacks, lines);
    expect(
      out.map((s) => [s.name, s.reached, s.routes, s.port, s.healthCheckPath, s.perHour]),
    ).toEqual([
      ['shop', 'routes', ['/', '/cart/*'], 9000, '/status', 0.012],
      ['search', 'internal', [], 7700, '/status', 0.005],
      ['mailer', 'none', [], null, null, null],
    ]);
    expect(out[0]!.image).toBe('build services/shop/Dockerfile');
    expect(servicesText(out)).toEqual([
      'services:',
      '  shop    routes / /cart/*, port 9000, health /status; build services/shop/Dockerfile; 256 CPU / 512 MiB arm64 x1-2; $0.0120/h',
      '  search  internal, port 7700, health /status; build services/search/Dockerfile; 256 CPU / 512 MiB arm64 x1-2; $0.0050/h',
      '  mailer  worker; build services/mailer/Dockerfile; 256 CPU / 512 MiB arm64 x1-2; cost in the lines below',
      '',
    ]);
  });

  it("takes the only ECS service for the only service, whatever its container's name", () => {
    const one = { services: [service('web', { routes: ['/'] }, 3000)] };
    const stacks = [{ template: template({ Svc: ['api'] }) }];
    expect(planServices(one, stacks, [{ logicalIds: ['Svc'], perHour: 0.008 }])[0]!.perHour).toBe(
      0.008,
    );
    const two = [{ template: template({ A: ['api'], B: ['other'] }) }];
    expect(planServices(one, two, [{ logicalIds: ['A'], perHour: 1 }])[0]!.perHour).toBe(null);
  });
});
