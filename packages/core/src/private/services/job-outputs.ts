/**
 * What an environment stack tells `deploy` about its jobs, as CloudFormation outputs (one home
 * for the output keys and their JSON shape: the CDK writes them, the CLI reads them).
 */

/**
 * IAM path of the jobs' task and execution roles: `deploy` may pass these (and no other role of
 * the environment) to ECS RunTask.
 */
export const JOB_ROLE_PATH = '/branch-env-jobs/';

/** Task definition family of a job: `<app>-<env>-job-<name>` (what `deploy` may run). */
export function jobTaskFamily(app: string, environment: string, job: string): string {
  return `${app}-${environment}-job-${job}`;
}

/** Output key of the network every job task runs in. */
export const JOB_NETWORK_OUTPUT = 'BranchEnvJobNetwork';
/** Output keys of the jobs: this prefix and the job's index in the config. */
export const JOB_OUTPUT_PREFIX = 'BranchEnvJob';

/** Where a job's task runs: `JOB_NETWORK_OUTPUT`. */
export interface JobNetwork {
  readonly cluster: string;
  readonly subnets: readonly string[];
  readonly securityGroups: readonly string[];
  readonly assignPublicIp: boolean;
}

/** One job's task: a `JOB_OUTPUT_PREFIX<n>` output. */
export interface JobTask {
  readonly name: string;
  /** Task definition ARN (a new revision on every image or setting change). */
  readonly taskDefinition: string;
  /** The job's container (its name) and log stream prefix. */
  readonly container: string;
  readonly logGroup: string;
}

export interface JobOutputs {
  readonly network: JobNetwork | undefined;
  readonly jobs: ReadonlyMap<string, JobTask>;
}

function isStringArray(v: unknown): v is string[] {
  return Array.isArray(v) && v.every((x) => typeof x === 'string');
}

function parse(value: string): unknown {
  try {
    return JSON.parse(value);
  } catch {
    return undefined;
  }
}

/** The jobs and their network from a stack's outputs (`OutputKey` -> `OutputValue`). */
export function parseJobOutputs(outputs: Readonly<Record<string, string>>): JobOutputs {
  let network: JobNetwork | undefined;
  const jobs = new Map<string, JobTask>();
  for (const [key, value] of Object.entries(outputs)) {
    const v = parse(value) as Record<string, unknown> | undefined;
    if (typeof v !== 'object' || v === null) continue;
    if (key === JOB_NETWORK_OUTPUT) {
      if (
        typeof v.cluster === 'string' &&
        isStringArray(v.subnets) &&
        isStringArray(v.securityGroups) &&
        typeof v.assignPublicIp === 'boolean'
      )
        network = {
          cluster: v.cluster,
          subnets: v.subnets,
          securityGroups: v.securityGroups,
          assignPublicIp: v.assignPublicIp,
        };
    } else if (key.startsWith(JOB_OUTPUT_PREFIX)) {
      if (
        typeof v.name === 'string' &&
        typeof v.taskDefinition === 'string' &&
        typeof v.container === 'string' &&
        typeof v.logGroup === 'string'
      )
        jobs.set(v.name, {
          name: v.name,
          taskDefinition: v.taskDefinition,
          container: v.container,
          logGroup: v.logGroup,
        });
    }
  }
  return { network, jobs };
}
