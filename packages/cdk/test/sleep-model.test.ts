import { afterAll, describe, expect, it } from 'vitest';
import { WAKE_PAGE_REFRESH_SECONDS, modelWake, type CfnTemplate } from '@branch-env/core';
import { RETRY_AFTER_SECONDS, WAKE_ESTIMATE_SECONDS } from '../src/platform/sleeper/decide.js';
import { removeOutdirs, synthesize } from './helpers.js';

afterAll(removeOutdirs);

/**
 * What the sleeper does and what core's wake model (`plan`'s `wake`) assumes it does are one
 * fact each: the waking page's refresh, and the wake the page announces.
 */
describe("the sleeper and core's wake model agree", () => {
  it('the waking page reloads as often as the model counts', () => {
    expect(RETRY_AFTER_SECONDS).toBe(WAKE_PAGE_REFRESH_SECONDS);
  });

  it("the wake the page announces lies in the model's range for a shared environment", () => {
    const wake = modelWake([synthesize('shared/wake').main as CfnTemplate]);
    expect(WAKE_ESTIMATE_SECONDS / 60).toBeGreaterThanOrEqual(wake.rangeMinutes.low);
    expect(WAKE_ESTIMATE_SECONDS / 60).toBeLessThanOrEqual(wake.rangeMinutes.high);
  });
});
