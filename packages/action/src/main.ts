import * as core from '@actions/core';
import {
  BranchError,
  loadConfig,
  NoRouteError,
  NotAllowedError,
  resolveEnvironment,
  UserError,
} from '@branch-env/core';
import { resolve } from 'node:path';
import { eventBranch, isCrossRepository } from './event-branch.js';
import { readInputs } from './inputs.js';
import {
  envVarName,
  OUTPUT_NAMES,
  routedOutputs,
  summaryMarkdown,
  unroutedOutputs,
  type Outputs,
} from './outputs.js';

async function publish(outputs: Outputs, source: string): Promise<void> {
  for (const name of OUTPUT_NAMES) {
    core.setOutput(name, outputs[name]);
    core.exportVariable(envVarName(name), outputs[name]);
  }
  if (process.env.GITHUB_STEP_SUMMARY) {
    await core.summary.addRaw(summaryMarkdown(outputs, source), true).write();
  }
}

/** The action: resolve the event's branch and publish outputs, env vars and a job summary. */
export async function run(): Promise<void> {
  try {
    const inputs = readInputs();
    const configPath = resolve(inputs.workspace, inputs.config);
    const { config, file } = loadConfig(configPath, inputs.workspace);
    core.exportVariable('BRANCH_ENV_CONFIG', file);

    const target = eventBranch(inputs.branch, inputs.event);
    if (isCrossRepository(inputs.event)) {
      const reason =
        'the pull request comes from another repository (a fork); its head gets no environment';
      core.info(`branch-env: no environment: ${reason}`);
      await publish(unroutedOutputs(reason, inputs.event.headRef, true), 'the event');
      return;
    }
    if (target.kind === 'none') {
      core.info(`branch-env: no environment: ${target.reason}`);
      await publish(unroutedOutputs(target.reason), 'the event');
      return;
    }
    try {
      const env = resolveEnvironment(target.input, config);
      core.info(`branch-env: ${env.branch} -> ${env.name} (${env.account.key} ${env.region})`);
      await publish(routedOutputs(env), target.source);
    } catch (error) {
      if (!(error instanceof NoRouteError)) throw error;
      core.info(`branch-env: ${error.message}`);
      await publish(unroutedOutputs(error.message, error.branch), target.source);
    }
  } catch (error) {
    if (error instanceof UserError) {
      const kind =
        error instanceof BranchError
          ? 'invalid branch'
          : error instanceof NotAllowedError
            ? 'not allowed'
            : 'configuration';
      core.setFailed(`${kind}: ${error.message}${error.fix ? `\nfix: ${error.fix}` : ''}`);
    } else {
      core.setFailed(
        `branch-env extract-env hit a bug; please report it: ${error instanceof Error ? (error.stack ?? error.message) : String(error)}`,
      );
    }
  }
}
