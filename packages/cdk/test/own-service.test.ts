import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { parseConfig, type Config } from '@branch-env/core';
import { onlyResource, removeOutdirs, testConfig, synthesize } from './helpers.js';

afterAll(removeOutdirs);

const FIXTURES = join(import.meta.dirname, 'fixtures');

/** The test config with the application replaced by `services` (relative to test/fixtures). */
function withServices(services: Record<string, unknown>, jobs?: Record<string, unknown>): Config {
  const base = testConfig();
  return parseConfig({ ...structuredClone(base), services, site: undefined, jobs });
}

const own = {
  web: {
    build: { context: 'service', dockerfile: 'Dockerfile' },
    port: 3000,
    healthCheck: { path: '/health', gracePeriodSeconds: 90 },
    architecture: 'x86_64',
    command: ['node', 'server.js'],
    environment: { LOG_LEVEL: 'info' },
    secrets: ['STRIPE_KEY'],
    expose: { routes: ['/'] },
  },
};

interface Container {
  Name: string;
  PortMappings: { ContainerPort: number }[];
  Command?: string[];
  Environment: { Name: string; Value: unknown }[];
  Secrets?: { Name: string; ValueFrom: unknown }[];
}

describe("the environment stack builds the config's own service", () => {
  const { main } = synthesize(
    'feature/own',
    { serviceImage: undefined, configDirectory: FIXTURES, siteDirectory: null },
    withServices(own),
  );
  const task = onlyResource(main, 'AWS::ECS::TaskDefinition').Properties as {
    RuntimePlatform: { CpuArchitecture: string };
    ContainerDefinitions: Container[];
  };
  const container = task.ContainerDefinitions.find((c) => c.PortMappings.length > 0);

  it('with its port, command, architecture and plain variables', () => {
    expect(container?.PortMappings).toEqual([{ ContainerPort: 3000, Protocol: 'tcp' }]);
    expect(container?.Command).toEqual(['node', 'server.js']);
    expect(task.RuntimePlatform.CpuArchitecture).toBe('X86_64');
    expect(container?.Environment).toContainEqual({ Name: 'LOG_LEVEL', Value: 'info' });
    expect(container?.Environment).toContainEqual({ Name: 'PORT', Value: '3000' });
  });

  it('with its secrets as ECS secrets from Secrets Manager, never plain variables', () => {
    const secret = container?.Secrets?.find((s) => s.Name === 'STRIPE_KEY');
    expect(JSON.stringify(secret?.ValueFrom)).toContain(
      ':secret:/branch-env-demo/feature-own/secrets/STRIPE_KEY',
    );
    expect(container?.Environment.map((e) => e.Name)).not.toContain('STRIPE_KEY');
  });

  it('with its health check path and grace period on the load balancer', () => {
    const targets = onlyResource(main, 'AWS::ElasticLoadBalancingV2::TargetGroup').Properties;
    expect(targets).toMatchObject({ HealthCheckPath: '/health', Port: 3000 });
    const service = onlyResource(main, 'AWS::ECS::Service').Properties;
    expect(service).toMatchObject({ HealthCheckGracePeriodSeconds: 90 });
  });

  it('reads the app-wide secret when deploy says the environment has none of its own', () => {
    const app = synthesize(
      'feature/own',
      {
        serviceImage: undefined,
        configDirectory: FIXTURES,
        siteDirectory: null,
        secretSources: { STRIPE_KEY: '/branch-env-demo/secrets/STRIPE_KEY' },
      },
      withServices(own),
    );
    const t = onlyResource(app.main, 'AWS::ECS::TaskDefinition').Properties as {
      ContainerDefinitions: Container[];
    };
    const from = t.ContainerDefinitions.flatMap((c) => c.Secrets ?? []).find(
      (s) => s.Name === 'STRIPE_KEY',
    )?.ValueFrom;
    expect(JSON.stringify(from)).toContain(':secret:/branch-env-demo/secrets/STRIPE_KEY');
  });

  it('pulls a prebuilt image instead of building one', () => {
    const app = synthesize(
      'feature/own',
      { serviceImage: undefined, configDirectory: FIXTURES, siteDirectory: null },
      withServices({
        web: {
          image: 'public.ecr.aws/nginx/nginx:1.27',
          port: 80,
          healthCheck: { path: '/' },
          expose: { routes: ['/'] },
        },
      }),
    );
    const t = onlyResource(app.main, 'AWS::ECS::TaskDefinition').Properties as {
      ContainerDefinitions: (Container & { Image: unknown })[];
    };
    expect(t.ContainerDefinitions.map((c) => c.Image)).toContain('public.ecr.aws/nginx/nginx:1.27');
  });
});
