import { ThrottlingException } from '@aws-sdk/client-ssm';
import { describe, expect, it } from 'vitest';
import { ConfigBusUnavailableError, StaleCache } from '@branch-env/config-bus';
import { recordingLogger } from './memory-ssm.js';

const throttled = () => new ThrottlingException({ message: 'Rate exceeded', $metadata: {} });
const unreachable = () =>
  Object.assign(new Error('connect ECONNREFUSED 127.0.0.1:1'), { code: 'ECONNREFUSED' });

function setup(ttl = 1000) {
  let now = 0;
  const { lines, logger } = recordingLogger();
  const cache = new StaleCache(ttl, logger, () => now);
  return { cache, lines, tick: (ms: number) => (now += ms) };
}

describe('StaleCache', () => {
  it('serves a value within the TTL without loading again', async () => {
    const { cache, tick } = setup();
    let loads = 0;
    const load = async () => `v${++loads}`;
    expect((await cache.read('k', load)).value).toBe('v1');
    tick(999);
    expect(await cache.read('k', load)).toEqual({ value: 'v1', stale: false, ageMs: 999 });
    tick(1);
    expect((await cache.read('k', load)).value).toBe('v2');
  });

  it('serves the last good value, stale, with one log line, while SSM is throttled', async () => {
    const { cache, lines, tick } = setup();
    await cache.read('/a/e/k', async () => 'good');
    tick(5000);
    const first = await cache.read('/a/e/k', async () => Promise.reject(throttled()));
    expect(first).toEqual({ value: 'good', stale: true, ageMs: 5000 });
    tick(2000);
    const second = await cache.read('/a/e/k', async () => Promise.reject(throttled()));
    expect(second.stale).toBe(true);
    expect(lines).toHaveLength(1);
    expect(lines[0]).toMatch(
      /^warn \/a\/e\/k: SSM unavailable \(ThrottlingException: Rate exceeded\); serving the value cached 5 s ago \(stale\)$/,
    );
  });

  it('serves stale when SSM is unreachable, and says when it answers again', async () => {
    const { cache, lines, tick } = setup();
    await cache.read('k', async () => 'old');
    tick(1000);
    expect((await cache.read('k', async () => Promise.reject(unreachable()))).stale).toBe(true);
    tick(1000);
    expect(await cache.read('k', async () => 'new')).toEqual({
      value: 'new',
      stale: false,
      ageMs: 0,
    });
    expect(lines[1]).toBe('info k: SSM answers again; fresh value in use');
  });

  it('asks SSM again at most once per TTL while serving stale', async () => {
    const { cache, tick } = setup(1000);
    await cache.read('k', async () => 'old');
    tick(1000);
    let attempts = 0;
    const failing = async () => {
      attempts++;
      throw throttled();
    };
    await cache.read('k', failing);
    tick(500);
    await cache.read('k', failing);
    expect(attempts).toBe(1);
    tick(500);
    await cache.read('k', failing);
    expect(attempts).toBe(2);
  });

  it('throws ConfigBusUnavailableError when SSM is unavailable and nothing is cached', async () => {
    const { cache } = setup();
    await expect(cache.read('k', async () => Promise.reject(throttled()))).rejects.toBeInstanceOf(
      ConfigBusUnavailableError,
    );
  });

  it('does not hide errors that are answers (access denied) behind a stale value', async () => {
    const { cache, tick } = setup();
    await cache.read('k', async () => 'good');
    tick(2000);
    const denied = Object.assign(new Error('denied'), { name: 'AccessDeniedException' });
    await expect(cache.read('k', async () => Promise.reject(denied))).rejects.toThrow('denied');
  });

  it('with TTL 0 always loads, yet still has a last good value to fall back on', async () => {
    const { cache } = setup(0);
    let loads = 0;
    await cache.read('k', async () => `v${++loads}`);
    await cache.read('k', async () => `v${++loads}`);
    expect(loads).toBe(2);
    expect(await cache.read('k', async () => Promise.reject(throttled()))).toMatchObject({
      value: 'v2',
      stale: true,
    });
  });
});
