/** The names of a job's task definition and roles (docs/services.md#jobs). */

/**
 * IAM path of the jobs' task and execution roles: the stack's job-run handler may pass these (and
 * no other role of the environment) to ECS RunTask.
 */
export const JOB_ROLE_PATH = '/branch-env-jobs/';

/** Task definition family of a job: `<app>-<env>-job-<name>` (what the job-run handler may run). */
export function jobTaskFamily(app: string, environment: string, job: string): string {
  return `${app}-${environment}-job-${job}`;
}
