import {
  DeleteParameterCommand,
  GetParameterCommand,
  GetParametersByPathCommand,
  ParameterAlreadyExists,
  ParameterNotFound,
  PutParameterCommand,
  SSMClient,
  ThrottlingException,
  TooManyUpdates,
} from '@aws-sdk/client-ssm';
import { mockClient } from 'aws-sdk-client-mock';
import { beforeEach, describe, expect, it } from 'vitest';
import { ParameterExistsError, backoffDelay, ssmStore, withRetry } from '@branch-env/config-bus';

const client = new SSMClient({ region: 'us-east-1' });
const ssm = mockClient(client);
const sleeps: number[] = [];
const retry = { sleep: async (ms: number) => void sleeps.push(ms), random: () => 0.5 };
const throttled = () =>
  new ThrottlingException({ message: 'Rate exceeded', $metadata: { httpStatusCode: 400 } });

beforeEach(() => {
  ssm.reset();
  sleeps.length = 0;
});

describe('ssmStore (the SSM adapter)', () => {
  it('gets one parameter with decryption and returns its value, type and version', async () => {
    ssm.on(GetParameterCommand).resolves({
      Parameter: { Name: '/app/env/a/b', Value: 'v', Type: 'SecureString', Version: 3 },
    });
    const p = await ssmStore(client, retry).get('/app/env/a/b');
    expect(p).toEqual({ name: '/app/env/a/b', value: 'v', type: 'SecureString', version: 3 });
    expect(ssm.commandCalls(GetParameterCommand)[0]?.args[0].input).toEqual({
      Name: '/app/env/a/b',
      WithDecryption: true,
    });
  });

  it('turns ParameterNotFound into undefined (a typed not found, not an error)', async () => {
    ssm.on(GetParameterCommand).rejects(new ParameterNotFound({ message: 'x', $metadata: {} }));
    await expect(ssmStore(client, retry).get('/app/env/missing')).resolves.toBeUndefined();
  });

  it('follows NextToken through every page of a recursive path read', async () => {
    ssm
      .on(GetParametersByPathCommand, { NextToken: undefined })
      .resolves({ Parameters: [{ Name: '/a/e/1', Value: '1' }], NextToken: 't1' })
      .on(GetParametersByPathCommand, { NextToken: 't1' })
      .resolves({ Parameters: [{ Name: '/a/e/2', Value: '2' }], NextToken: 't2' })
      .on(GetParametersByPathCommand, { NextToken: 't2' })
      .resolves({ Parameters: [{ Name: '/a/e/x/3', Value: '3' }] });
    const all = await ssmStore(client, retry).getByPath('/a/e');
    expect(all.map((p) => p.value)).toEqual(['1', '2', '3']);
    const calls = ssm.commandCalls(GetParametersByPathCommand).map((c) => c.args[0].input);
    expect(calls).toHaveLength(3);
    expect(calls[0]).toEqual({
      Path: '/a/e',
      Recursive: true,
      WithDecryption: true,
      MaxResults: 10,
      NextToken: undefined,
    });
    expect(calls.map((c) => c.NextToken)).toEqual([undefined, 't1', 't2']);
  });

  it('puts with an explicit Overwrite and the type asked for', async () => {
    ssm.on(PutParameterCommand).resolves({ Version: 2 });
    const store = ssmStore(client, retry);
    await expect(store.put('/a/e/k', 'v', { secure: true, overwrite: false })).resolves.toEqual({
      version: 2,
    });
    await store.put('/a/e/k', 'w', { secure: false, overwrite: true });
    expect(ssm.commandCalls(PutParameterCommand).map((c) => c.args[0].input)).toEqual([
      { Name: '/a/e/k', Value: 'v', Type: 'SecureString', Overwrite: false },
      { Name: '/a/e/k', Value: 'w', Type: 'String', Overwrite: true },
    ]);
  });

  it('fails a put without overwrite on an existing parameter with ParameterExistsError', async () => {
    ssm
      .on(PutParameterCommand)
      .rejects(new ParameterAlreadyExists({ message: 'x', $metadata: {} }));
    await expect(
      ssmStore(client, retry).put('/a/e/k', 'v', { secure: false, overwrite: false }),
    ).rejects.toBeInstanceOf(ParameterExistsError);
  });

  it('deletes, and reports false for a parameter that was not there', async () => {
    ssm
      .on(DeleteParameterCommand, { Name: '/a/e/here' })
      .resolves({})
      .on(DeleteParameterCommand, { Name: '/a/e/gone' })
      .rejects(new ParameterNotFound({ message: 'x', $metadata: {} }));
    const store = ssmStore(client, retry);
    await expect(store.delete('/a/e/here')).resolves.toBe(true);
    await expect(store.delete('/a/e/gone')).resolves.toBe(false);
  });

  it('retries ThrottlingException and TooManyUpdates with growing jittered delays, then succeeds', async () => {
    ssm
      .on(PutParameterCommand)
      .rejectsOnce(throttled())
      .rejectsOnce(new TooManyUpdates({ message: 'slow down', $metadata: {} }))
      .resolves({ Version: 1 });
    await ssmStore(client, retry).put('/a/e/k', 'v', { secure: false, overwrite: true });
    expect(ssm.commandCalls(PutParameterCommand)).toHaveLength(3);
    expect(sleeps).toEqual([50, 100]); // random 0.5 of caps 100, 200
  });

  it('gives up after the configured attempts and throws the throttling error', async () => {
    ssm.on(GetParameterCommand).rejects(throttled());
    await expect(ssmStore(client, { ...retry, attempts: 3 }).get('/a/e/k')).rejects.toMatchObject({
      name: 'ThrottlingException',
    });
    expect(ssm.commandCalls(GetParameterCommand)).toHaveLength(3);
  });

  it('retries an unreachable endpoint and a 5xx too, then succeeds', async () => {
    ssm
      .on(GetParameterCommand)
      .rejectsOnce(Object.assign(new Error('connect ECONNREFUSED'), { code: 'ECONNREFUSED' }))
      .rejectsOnce(
        Object.assign(new Error('internal'), {
          name: 'InternalServerError',
          $metadata: { httpStatusCode: 500 },
        }),
      )
      .resolves({ Parameter: { Name: '/a/e/k', Value: 'v', Type: 'String', Version: 1 } });
    await expect(ssmStore(client, retry).get('/a/e/k')).resolves.toMatchObject({ value: 'v' });
    expect(ssm.commandCalls(GetParameterCommand)).toHaveLength(3);
  });

  it('does not retry errors that are answers (access denied)', async () => {
    const denied = Object.assign(new Error('not authorized'), { name: 'AccessDeniedException' });
    ssm.on(GetParameterCommand).rejects(denied);
    await expect(ssmStore(client, retry).get('/a/e/k')).rejects.toThrow('not authorized');
    expect(ssm.commandCalls(GetParameterCommand)).toHaveLength(1);
  });
});

describe('backoff', () => {
  it('caps the delay at maxDelayMs and never exceeds the exponential cap', () => {
    const policy = { baseDelayMs: 100, maxDelayMs: 1000, random: () => 0.999999 };
    expect([1, 2, 3, 4, 5, 6].map((n) => backoffDelay(n, policy))).toEqual([
      99, 199, 399, 799, 999, 999,
    ]);
    expect(backoffDelay(3, { random: () => 0 })).toBe(0);
  });

  it('withRetry passes the value through on the first success', async () => {
    let calls = 0;
    await expect(withRetry(async () => ++calls, retry)).resolves.toBe(1);
    expect(sleeps).toEqual([]);
  });
});
