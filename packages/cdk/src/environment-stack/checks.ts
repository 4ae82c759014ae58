import { UserError, type ResolvedEnvironment } from '@branch-env/core';

/** One rule an environment must meet before the stack is built. */
export interface EnvironmentCheck {
  readonly id: string;
  /** The problem, or undefined when the environment passes. */
  readonly problem: (env: ResolvedEnvironment) => string | undefined;
  /** The edit that fixes it. */
  readonly fix: string;
}

/** The rules, as data: every failure is collected and reported in one error. */
export const ENVIRONMENT_CHECKS: readonly EnvironmentCheck[] = [
  {
    id: 'sidecar-single-task',
    problem: (env) =>
      env.profile.database.engine === 'mongodb-container' && env.profile.task.maxTasks > 1
        ? `profiles.${env.profile.name}: database engine mongodb-container keeps its data inside one task, but task.maxTasks is ${env.profile.task.maxTasks} (each task would get its own empty database)`
        : undefined,
    fix: 'set task.maxTasks (and task.minTasks) to 1, or use the documentdb or aurora-postgres engine',
  },
  {
    id: 'protected-keeps-data',
    problem: (env) =>
      env.protected && env.profile.database.engine === 'mongodb-container'
        ? `environment '${env.name}' is protected (rules[${env.rule.index}]) but its profile '${env.profile.name}' uses mongodb-container, whose data is lost whenever the task is replaced`
        : undefined,
    fix: 'route protected branches to a profile with the documentdb or aurora-postgres engine',
  },
  {
    id: 'tasks-run',
    problem: (env) =>
      env.profile.task.maxTasks < env.profile.task.minTasks
        ? `profiles.${env.profile.name}: task.maxTasks (${env.profile.task.maxTasks}) is below task.minTasks (${env.profile.task.minTasks})`
        : undefined,
    fix: 'make task.maxTasks at least task.minTasks',
  },
  {
    id: 'cloudfront-certificate-stack',
    problem: (env) =>
      env.profile.cloudfront && env.dnsName !== undefined && env.stacks.certificate === undefined
        ? `environment '${env.name}' serves ${env.dnsName} on CloudFront but names no certificate stack`
        : undefined,
    fix: 'resolve the environment with resolveEnvironment() from @branch-env/core',
  },
];

/** Throws one UserError listing every check the environment fails. */
export function checkEnvironment(env: ResolvedEnvironment): void {
  const failures = ENVIRONMENT_CHECKS.flatMap((c) => {
    const problem = c.problem(env);
    return problem === undefined ? [] : [{ ...c, problem }];
  });
  if (failures.length === 0) return;
  throw new UserError(
    `environment '${env.name}' cannot be built:\n${failures.map((f) => `  - ${f.problem}`).join('\n')}`,
    failures.map((f) => f.fix).join('; '),
  );
}
