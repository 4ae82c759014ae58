import { describe, expect, it } from 'vitest';
import {
  ConfigError,
  DEFAULT_SLEEP_AFTER_IDLE_MINUTES,
  TAG_KEYS,
  parseConfig,
  resolveEnvironment,
  sleepAfterIdleMinutes,
  type ConfigIssue,
} from '../src/index.js';
import { editedConfig, repoConfig } from './helpers.js';

function issuesOf(raw: unknown): ConfigIssue[] {
  try {
    parseConfig(raw);
  } catch (e) {
    expect(e).toBeInstanceOf(ConfigError);
    return [...(e as ConfigError).issues];
  }
  throw new Error('expected the config to be rejected');
}

const minutesOf = (raw: unknown, branch: string) =>
  sleepAfterIdleMinutes(resolveEnvironment(branch, parseConfig(raw)));

describe('profiles.<key>.sleep', () => {
  it('a shared profile sleeps after 30 idle minutes by default; a dedicated one never', () => {
    const config = repoConfig();
    expect(config.profiles.preview?.sleep).toBeUndefined();
    expect(DEFAULT_SLEEP_AFTER_IDLE_MINUTES).toBe(30);
    expect(sleepAfterIdleMinutes(resolveEnvironment('feature/new-login', config))).toBe(30);
    expect(sleepAfterIdleMinutes(resolveEnvironment('sandbox', config))).toBeNull();
    expect(sleepAfterIdleMinutes(resolveEnvironment('main', config))).toBeNull();
  });

  it('takes the configured minutes, and false for never', () => {
    const set = (sleep: unknown) =>
      editedConfig((c) => {
        c.profiles.preview.sleep = sleep;
      });
    expect(minutesOf(set({ afterIdleMinutes: 10 }), 'feature/a')).toBe(10);
    expect(minutesOf(set({ afterIdleMinutes: 1440 }), 'feature/a')).toBe(1440);
    expect(minutesOf(set(false), 'feature/a')).toBeNull();
  });

  it('a dedicated profile may say sleep: false', () => {
    const raw = editedConfig((c) => {
      c.profiles.full.sleep = false;
    });
    expect(minutesOf(raw, 'sandbox')).toBeNull();
  });

  const UNION = 'false, or { "afterIdleMinutes": <whole minutes 10-1440> }';
  it.each([
    [{ afterIdleMinutes: 9 }, 'profiles.preview.sleep.afterIdleMinutes', '>=10'],
    [{ afterIdleMinutes: 1441 }, 'profiles.preview.sleep.afterIdleMinutes', '<=1440'],
    [{ afterIdleMinutes: 30.5 }, 'profiles.preview.sleep', UNION],
    [{ afterIdleMinutes: 30, extra: 1 }, 'profiles.preview.sleep.extra', 'unknown key'],
    [true, 'profiles.preview.sleep', UNION],
    [{}, 'profiles.preview.sleep', UNION],
  ])('fails on sleep %j', (sleep, path, message) => {
    const issues = issuesOf(
      editedConfig((c) => {
        c.profiles.preview.sleep = sleep;
      }),
    );
    expect(issues).toEqual([{ path, message: expect.stringContaining(message) }]);
  });

  it('fails on a sleep object on a dedicated profile, naming the fix', () => {
    const issues = issuesOf(
      editedConfig((c) => {
        c.profiles.full.sleep = { afterIdleMinutes: 30 };
      }),
    );
    expect(issues).toEqual([
      {
        path: 'profiles.full.sleep',
        message: expect.stringContaining(
          'a dedicated profile cannot sleep: its services sit behind a load balancer of its own',
        ),
      },
    ]);
    expect(issues[0]?.message).toContain(
      'set isolation to "shared", or remove profiles.full.sleep (or set it to false)',
    );
  });

  it('the tag keys the router and the sleeper share', () => {
    expect(TAG_KEYS.sleepAfter).toBe('branch-env:sleep-after');
    expect(TAG_KEYS.targetGroup).toBe('branch-env:target-group');
    expect(TAG_KEYS.awakeCount).toBe('branch-env:awake-count');
  });
});
