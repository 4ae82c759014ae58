import { loadConfig, resolveEnvironment } from '@branch-env/core';
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { sourceFor, StderrIoHost, toolkitFor } from '../src/private/aws/toolkit.js';
import { synthesizeEnvironment } from '../src/private/synth.js';
import { recordingIo } from './helpers/aws-clients.js';

const ROOT = fileURLToPath(new URL('../../../', import.meta.url));

describe('toolkit-lib wiring used by deploy and diff (offline: synth only, one synth)', () => {
  it('the toolkit reads the in-process assembly: both stacks of a full environment, explicit environments', async () => {
    const { config } = loadConfig(join(ROOT, 'branch-env.config.json'), ROOT);
    const env = resolveEnvironment('sandbox', config);
    const io = recordingIo();
    const { toolkit } = await toolkitFor(new StderrIoHost(io));
    let directory = '';
    const source = await sourceFor(toolkit, async (outdir) => {
      const synthesis = await synthesizeEnvironment(env, {
        outdir,
        nag: false,
        stageAssets: false,
      });
      directory = synthesis.directory;
      return { directory };
    });
    const assembly = await toolkit.synth(source);
    try {
      const stacks = assembly.cloudAssembly.stacks.map((s) => [
        s.stackName,
        s.environment.account,
        s.environment.region,
      ]);
      expect(stacks).toEqual([
        ['branch-env-demo-sandbox-certificate', '111111111111', 'us-east-1'],
        ['branch-env-demo-sandbox', '111111111111', 'us-east-1'],
      ]);
      expect(
        assembly.cloudAssembly
          .getStackByName('branch-env-demo-sandbox')
          .dependencies.map((d) => d.id),
      ).toContain('branch-env-demo-sandbox-certificate');
      expect(existsSync(join(directory, 'manifest.json'))).toBe(true);
    } finally {
      await assembly.dispose();
    }
    // the toolkit owns the temporary directory and removes it
    expect(existsSync(directory)).toBe(false);
  });
});
