import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { Validations, type App } from 'aws-cdk-lib';
import { NAG_FINDINGS_FILE } from '@branch-env/core';
import { nagFindings } from './nag-findings.js';

/**
 * At synth, write every cdk-nag AwsSolutions finding of `app` (open and acknowledged, as
 * {@link nagFindings}) to `NAG_FINDINGS_FILE` in the cloud assembly, without failing synthesis:
 * `branch-env plan` reports them for an app of the user's own (context `branch-env:nag-findings`).
 */
export function recordNagFindings(app: App): void {
  Validations.of(app).addPlugins({
    name: 'branch-env-nag-findings',
    validate: () => {
      const findings = nagFindings(app).map(({ description: _d, ...f }) => f);
      writeFileSync(join(app.outdir, NAG_FINDINGS_FILE), `${JSON.stringify(findings)}\n`);
      return { success: true, violations: [] };
    },
  });
}
