import { describe, it } from 'vitest';

/**
 * For suites that need something installed (PostgreSQL, Chromium): in CI (CI=true) a missing
 * dependency FAILS the run; locally the suite is skipped with a loud message.
 */
export function describeWhenAvailable(
  name: string,
  missing: string | undefined,
  body: () => void,
): void {
  if (missing === undefined) {
    describe(name, body);
    return;
  }
  if (process.env.CI === 'true') {
    describe(name, () => {
      it('has what it needs in CI', () => {
        throw new Error(`${name}: ${missing}`);
      });
    });
    return;
  }
  console.warn(`\n*** SKIPPED: ${name}: ${missing} ***\n`);
  describe.skip(name, body);
}
