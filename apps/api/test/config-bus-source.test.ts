import { GetParameterCommand, ParameterNotFound, SSMClient } from '@aws-sdk/client-ssm';
import { createConfigBus, silentLogger } from '@branch-env/config-bus';
import { mockClient } from 'aws-sdk-client-mock';
import { afterEach, describe, expect, it } from 'vitest';
import { createConfigBusSource } from '../src/config/config-bus-source.js';
import { createEnvConfigSource } from '../src/config/env-config-source.js';
import { loadSettings } from '../src/settings.js';

const ssm = mockClient(SSMClient);
afterEach(() => ssm.reset());

function notFound() {
  return new ParameterNotFound({ message: 'not found', $metadata: {} });
}

function source() {
  return createConfigBusSource(
    createConfigBus({
      app: 'demo',
      environment: 'feature-x',
      baseline: 'main',
      client: new SSMClient({ region: 'eu-west-1' }),
      logger: silentLogger,
      retry: { attempts: 1, baseDelayMs: 1, maxDelayMs: 1 },
    }),
  );
}

function parameter(name: string, value: string) {
  return { Parameter: { Name: name, Value: value, Type: 'String' as const, Version: 1 } };
}

describe('config bus source (SSM through @branch-env/config-bus)', () => {
  it('finds a service this environment publishes', async () => {
    ssm
      .on(GetParameterCommand, { Name: '/demo/feature-x/api/service-url' })
      .resolves(parameter('/demo/feature-x/api/service-url', 'https://feature-x.demo.example.com'));
    expect(await source().serviceUrl('api')).toEqual({
      service: 'api',
      url: 'https://feature-x.demo.example.com',
      environment: 'feature-x',
      fallback: false,
      stale: false,
    });
  });

  it('falls back to the baseline, visibly, when this environment does not publish the service', async () => {
    ssm
      .on(GetParameterCommand, { Name: '/demo/feature-x/payments/service-url' })
      .rejects(notFound())
      .on(GetParameterCommand, { Name: '/demo/main/payments/service-url' })
      .resolves(parameter('/demo/main/payments/service-url', 'https://payments.main.example.com'));
    expect(await source().serviceUrl('payments')).toEqual({
      service: 'payments',
      url: 'https://payments.main.example.com',
      environment: 'main',
      fallback: true,
      stale: false,
    });
  });

  it('says when SSM is unavailable and the last good URL is served', async () => {
    let now = 0;
    const s = createConfigBusSource(
      createConfigBus({
        app: 'demo',
        environment: 'feature-x',
        client: new SSMClient({ region: 'eu-west-1' }),
        logger: silentLogger,
        retry: { attempts: 1, baseDelayMs: 1, maxDelayMs: 1 },
        cacheTtlMs: 1_000,
        now: () => now,
      }),
    );
    ssm
      .on(GetParameterCommand)
      .resolvesOnce(parameter('/demo/feature-x/api/service-url', 'https://feature-x.example.com'))
      .rejects(Object.assign(new Error('Rate exceeded'), { name: 'ThrottlingException' }));
    expect(await s.serviceUrl('api')).toMatchObject({ stale: false });
    now = 5_000;
    expect(await s.serviceUrl('api')).toEqual({
      service: 'api',
      url: 'https://feature-x.example.com',
      environment: 'feature-x',
      fallback: false,
      stale: true,
    });
    expect(ssm.commandCalls(GetParameterCommand)).toHaveLength(2);
  });

  it('reports a service nobody publishes as an error, not an exception', async () => {
    ssm.on(GetParameterCommand).rejects(notFound());
    const r = await source().serviceUrl('search');
    expect(r).toMatchObject({ service: 'search', url: null, fallback: false });
    expect(r.error).toMatch(/search/);
  });

  it('is ready when SSM answers, even when the probe key is not set', async () => {
    ssm.on(GetParameterCommand).rejects(notFound());
    expect(await source().check()).toMatchObject({ ok: true });
    expect(ssm.commandCalls(GetParameterCommand)[0]?.args[0].input).toMatchObject({
      Name: '/demo/feature-x/meta/profile',
    });
  });

  it('is not ready when SSM cannot be reached', async () => {
    ssm
      .on(GetParameterCommand)
      .rejects(Object.assign(new Error('connect ETIMEDOUT'), { name: 'TimeoutError' }));
    const check = await source().check();
    expect(check.ok).toBe(false);
    expect(check.detail).toMatch(/ETIMEDOUT|unavailable/);
  });
});

describe('environment-variable source (local runs)', () => {
  it('answers from the settings and discovers nothing', async () => {
    const s = createEnvConfigSource(
      loadSettings({ DATABASE_ENGINE: 'memory', DATA_BUCKET: 'bkt' }),
    );
    expect(await s.check()).toMatchObject({ ok: true });
    expect(await s.get('storage/data-bucket')).toBe('bkt');
    expect(await s.get('database/engine')).toBe('memory');
    expect(await s.serviceUrl('api')).toMatchObject({ url: null, fallback: false });
  });
});
