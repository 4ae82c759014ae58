import { afterAll, describe, expect, it } from 'vitest';
import { modelWake, type CfnTemplate } from '@branch-env/core';
import { WAKE_ESTIMATE_SECONDS } from '../src/platform/sleeper/decide.js';
import { removeOutdirs, synthesize } from './helpers.js';

afterAll(removeOutdirs);

/**
 * What the sleeper says and what core's wake model (`plan`'s `wake`) assumes agree: the waking
 * page's refresh is core's WAKE_PAGE_REFRESH_SECONDS itself; the wake the page announces is checked
 * against the model here.
 */
describe("the sleeper and core's wake model agree", () => {
  it("the wake the page announces lies in the model's range for a shared environment", () => {
    const wake = modelWake([synthesize('shared/wake').main as CfnTemplate]);
    expect(WAKE_ESTIMATE_SECONDS / 60).toBeGreaterThanOrEqual(wake.rangeMinutes.low);
    expect(WAKE_ESTIMATE_SECONDS / 60).toBeLessThanOrEqual(wake.rangeMinutes.high);
  });
});
