import { GetParameterCommand, PutParameterCommand, ThrottlingException } from '@aws-sdk/client-ssm';
import { describe, expect, it } from 'vitest';
import { CONFIG_BUS, type ConfigBusEntry } from '@branch-env/core';
import {
  ConfigBusInputError,
  ServiceNotFoundError,
  catalogueAccessor,
  createConfigBus,
} from '@branch-env/config-bus';
import { memorySsm, recordingLogger } from './memory-ssm.js';

const noSleep = { sleep: async () => {}, attempts: 2 };

function bus(initial: Record<string, string> = {}, baseline: string | null = 'sandbox') {
  const ssm = memorySsm(initial);
  const log = recordingLogger();
  let now = 0;
  const b = createConfigBus({
    app: 'shop',
    environment: 'feature-x',
    baseline: baseline ?? undefined,
    client: ssm.client,
    logger: log.logger,
    retry: noSleep,
    cacheTtlMs: 1000,
    now: () => now,
  });
  return { b, ssm, log, tick: (ms: number) => (now += ms) };
}

describe('get / put / delete / getByPath under the prefix', () => {
  it('reads a parameter and a typed not-found', async () => {
    const { b } = bus({ '/shop/feature-x/a/b': 'v' });
    await expect(b.get('a/b')).resolves.toEqual({
      found: true,
      key: 'a/b',
      name: '/shop/feature-x/a/b',
      value: 'v',
      type: 'String',
      version: 1,
      stale: false,
    });
    await expect(b.get('a/c')).resolves.toEqual({
      found: false,
      key: 'a/c',
      name: '/shop/feature-x/a/c',
      stale: false,
    });
  });

  it('writes a SecureString with explicit overwrite and reads its own write', async () => {
    const { b, ssm } = bus();
    await b.put('db/token', 's3cr3t', { secure: true });
    expect(ssm.mock.commandCalls(PutParameterCommand)[0]?.args[0].input).toEqual({
      Name: '/shop/feature-x/db/token',
      Value: 's3cr3t',
      Type: 'SecureString',
      Overwrite: true,
    });
    await expect(b.get('db/token')).resolves.toMatchObject({
      value: 's3cr3t',
      type: 'SecureString',
    });
    expect(ssm.mock.commandCalls(GetParameterCommand)).toHaveLength(0);
  });

  it('deletes and forgets the cached value', async () => {
    const { b } = bus({ '/shop/feature-x/k': 'v' });
    await b.get('k');
    await expect(b.delete('k')).resolves.toMatchObject({ deleted: true });
    await expect(b.get('k')).resolves.toMatchObject({ found: false });
    await expect(b.delete('k')).resolves.toMatchObject({ deleted: false });
  });

  it('reads a whole path over several pages with keys relative to the prefix', async () => {
    const initial: Record<string, string> = {};
    for (let i = 0; i < 23; i++)
      initial[`/shop/feature-x/many/k${String(i).padStart(2, '0')}`] = `${i}`;
    initial['/shop/feature-xy/many/other'] = 'not mine';
    const { b } = bus(initial);
    const r = await b.getByPath('many');
    expect(r.parameters).toHaveLength(23);
    expect(r.parameters[0]).toMatchObject({ key: 'many/k00', value: '0' });
    expect((await b.getByPath('')).parameters).toHaveLength(23);
  });

  it('rejects keys that escape the prefix or break SSM limits, before any call', async () => {
    const { b, ssm } = bus();
    await expect(b.get('../sandbox/api/service-url')).rejects.toThrow(
      /escape the environment prefix/,
    );
    await expect(b.put('/shop/other/x', 'v')).rejects.toThrow(/starts with \//);
    await expect(b.put('a b', 'v')).rejects.toBeInstanceOf(ConfigBusInputError);
    await expect(b.put('big', 'x'.repeat(4097))).rejects.toThrow(/4097 bytes.*at most 4096/);
    expect(ssm.mock.calls()).toHaveLength(0);
  });

  it('rejects an app or environment that is not one path level', () => {
    expect(() => createConfigBus({ app: 'a/b', environment: 'e' })).toThrow(/app 'a\/b'/);
    expect(() => createConfigBus({ app: 'a', environment: '..' })).toThrow(/environment '\.\.'/);
  });

  it('gives typed accessors for every catalogue key', async () => {
    const { b } = bus({ '/shop/feature-x/storage/data-bucket': 'shop-feature-x-data' });
    expect(Object.keys(b.catalogue).sort()).toEqual(Object.keys(CONFIG_BUS).sort());
    expect(b.catalogue.dataBucket.key).toBe('storage/data-bucket');
    await expect(b.catalogue.dataBucket.get()).resolves.toMatchObject({
      value: 'shop-feature-x-data',
    });
    await b.catalogue.commit.put('abc123');
    await expect(b.get('meta/commit')).resolves.toMatchObject({ value: 'abc123' });
  });

  it('stores a catalogue entry as its secure flag says: SecureString when set, else String', async () => {
    const { b, ssm } = bus();
    const token = catalogueAccessor(b, {
      key: 'payment/api-token',
      writer: 'service',
      description: 'A token the payment service publishes.',
      secure: true,
    });
    await token.put('t0ken');
    await b.catalogue.commit.put('abc123');
    expect(ssm.mock.commandCalls(PutParameterCommand).map((c) => c.args[0].input)).toEqual([
      {
        Name: '/shop/feature-x/payment/api-token',
        Value: 't0ken',
        Type: 'SecureString',
        Overwrite: true,
      },
      { Name: '/shop/feature-x/meta/commit', Value: 'abc123', Type: 'String', Overwrite: true },
    ]);
    await expect(token.get()).resolves.toMatchObject({ value: 't0ken', type: 'SecureString' });
    // Every accessor of the shared catalogue follows its entry's flag.
    for (const [name, entry] of Object.entries(CONFIG_BUS)) {
      ssm.mock.resetHistory();
      await b.catalogue[name as keyof typeof CONFIG_BUS].put('v');
      expect(ssm.mock.commandCalls(PutParameterCommand)[0]?.args[0].input.Type, name).toBe(
        (entry as ConfigBusEntry).secure ? 'SecureString' : 'String',
      );
    }
  });

  it('serves a stale value with stale: true and a log line while SSM is throttled', async () => {
    const { b, ssm, log, tick } = bus({ '/shop/feature-x/k': 'v1' });
    await b.get('k');
    tick(1500);
    ssm.mock
      .on(GetParameterCommand)
      .rejects(new ThrottlingException({ message: 'Rate exceeded', $metadata: {} }));
    await expect(b.get('k')).resolves.toMatchObject({ found: true, value: 'v1', stale: true });
    expect(log.lines.join('\n')).toMatch(/\/shop\/feature-x\/k: SSM unavailable.*\(stale\)/);
  });
});

describe('serviceUrl (service discovery)', () => {
  it("uses the environment's own URL when it publishes one", async () => {
    const { b, log } = bus({
      '/shop/feature-x/payment/service-url': 'https://pay.feature-x',
      '/shop/sandbox/payment/service-url': 'https://pay.sandbox',
    });
    await expect(b.serviceUrl('payment')).resolves.toEqual({
      service: 'payment',
      url: 'https://pay.feature-x',
      environment: 'feature-x',
      fallback: false,
      stale: false,
      name: '/shop/feature-x/payment/service-url',
    });
    expect(log.lines).toEqual([]);
  });

  it('falls back to the baseline visibly: fallback true and one log line', async () => {
    const { b, log, tick } = bus({ '/shop/sandbox/payment/service-url': 'https://pay.sandbox' });
    const r = await b.serviceUrl('payment');
    expect(r).toMatchObject({ url: 'https://pay.sandbox', environment: 'sandbox', fallback: true });
    tick(2000);
    await b.serviceUrl('payment');
    expect(log.lines).toEqual([
      "warn service 'payment': environment 'feature-x' does not publish /shop/feature-x/payment/service-url; falling back to baseline 'sandbox' (https://pay.sandbox)",
    ]);
  });

  it('stops falling back (and says so) once the environment publishes the service', async () => {
    const { b, log, tick } = bus({ '/shop/sandbox/payment/service-url': 'https://pay.sandbox' });
    await b.serviceUrl('payment');
    await b.put('payment/service-url', 'https://pay.feature-x');
    tick(10);
    await expect(b.serviceUrl('payment')).resolves.toMatchObject({ fallback: false });
    expect(log.lines[1]).toContain('baseline no longer used');
  });

  it('throws ServiceNotFoundError naming both places when neither publishes it', async () => {
    const { b } = bus();
    const error = await b.serviceUrl('payment').catch((e: unknown) => e);
    expect(error).toBeInstanceOf(ServiceNotFoundError);
    expect((error as ServiceNotFoundError).tried).toEqual([
      '/shop/feature-x/payment/service-url',
      '/shop/sandbox/payment/service-url',
    ]);
  });

  it('does not fall back without a baseline', async () => {
    const { b } = bus({ '/shop/sandbox/payment/service-url': 'https://pay.sandbox' }, null);
    await expect(b.serviceUrl('payment')).rejects.toBeInstanceOf(ServiceNotFoundError);
  });

  it('rejects a service name of more than one level', async () => {
    const { b } = bus();
    await expect(b.serviceUrl('../x')).rejects.toThrow(/service '\.\.\/x'/);
  });
});
