import { readFileSync } from 'node:fs';
import * as core from '@actions/core';

/** Everything the action reads from its inputs and the runner's environment, read in one place. */
export interface Inputs {
  /** The `branch` input; empty means "from the event". */
  readonly branch: string;
  /** The `config` input. */
  readonly config: string;
  readonly workspace: string;
  readonly event: EventContext;
}

/** The parts of the triggering event that decide the default branch. */
export interface EventContext {
  /** GITHUB_EVENT_NAME */
  readonly name: string;
  /** GITHUB_REF */
  readonly ref: string;
  /** GITHUB_HEAD_REF (set for pull_request and pull_request_target). */
  readonly headRef: string;
  /** The parsed GITHUB_EVENT_PATH payload; {} when absent. */
  readonly payload: Readonly<Record<string, unknown>>;
}

function readPayload(path: string | undefined): Record<string, unknown> {
  if (!path) return {};
  try {
    const parsed: unknown = JSON.parse(readFileSync(path, 'utf8'));
    return parsed !== null && typeof parsed === 'object' ? (parsed as Record<string, unknown>) : {};
  } catch (e) {
    throw new Error(`cannot read the event payload ${path}: ${(e as Error).message}`);
  }
}

export function readInputs(env: NodeJS.ProcessEnv = process.env): Inputs {
  return {
    branch: core.getInput('branch').trim(),
    config: core.getInput('config').trim() || 'branch-env.config.json',
    workspace: env.GITHUB_WORKSPACE || process.cwd(),
    event: {
      name: env.GITHUB_EVENT_NAME ?? '',
      ref: env.GITHUB_REF ?? '',
      headRef: env.GITHUB_HEAD_REF ?? '',
      payload: readPayload(env.GITHUB_EVENT_PATH),
    },
  };
}
