import type { ConfigIssue } from '../errors.js';
import type { Profile } from './schema.js';
import type { ConfigCheck } from './validate.js';
import { entryOf, known } from './view.js';

/**
 * The rules an environment must meet before its stack is built, as data. Synthesis
 * (`checkEnvironment` of `@branch-env/cdk`) refuses an environment that fails one; `config check`
 * applies the same rules to every routing rule ({@link ENVIRONMENT_RULES_CHECK}), so that what
 * `config check` accepts, `plan` and `deploy` build. One home: add a rule here, never in the cdk.
 */
export interface EnvironmentFacts {
  readonly name: string;
  readonly protected: boolean;
  readonly rule: { readonly index: number; readonly branch: string };
  readonly profile: { readonly name: string } & Profile;
}

export interface EnvironmentCheck<E extends EnvironmentFacts = EnvironmentFacts> {
  readonly id: string;
  /** The problem, or undefined when the environment passes. */
  readonly problem: (env: E) => string | undefined;
  /** The edit that fixes it. */
  readonly fix: string;
  /**
   * Where `config check` reports it: the profile's field when the profile alone is wrong, the
   * rule's when it is the rule's use of the profile.
   */
  readonly path: (env: E) => string;
}

export const ENVIRONMENT_CHECKS: readonly EnvironmentCheck[] = [
  {
    id: 'sidecar-single-task',
    problem: (env) =>
      env.profile.database.engine === 'mongodb-container' && env.profile.task.maxTasks > 1
        ? `profiles.${env.profile.name}: database engine mongodb-container keeps its data inside one task, but task.maxTasks is ${env.profile.task.maxTasks} (each task would get its own empty database)`
        : undefined,
    fix: 'set task.maxTasks (and task.minTasks) to 1, or use the documentdb or aurora-postgres engine',
    path: (env) => `profiles.${env.profile.name}.task.maxTasks`,
  },
  {
    id: 'protected-keeps-data',
    problem: (env) =>
      env.protected && env.profile.database.engine === 'mongodb-container'
        ? `environment '${env.name}' is protected (rules[${env.rule.index}]) but its profile '${env.profile.name}' uses mongodb-container, whose data is lost whenever the task is replaced`
        : undefined,
    fix: 'route protected branches to a profile with the documentdb or aurora-postgres engine',
    path: (env) => `rules[${env.rule.index}].profile`,
  },
  {
    id: 'tasks-run',
    problem: (env) =>
      env.profile.task.maxTasks < env.profile.task.minTasks
        ? `profiles.${env.profile.name}: task.maxTasks (${env.profile.task.maxTasks}) is below task.minTasks (${env.profile.task.minTasks})`
        : undefined,
    fix: 'make task.maxTasks at least task.minTasks',
    path: (env) => `profiles.${env.profile.name}.task.minTasks`,
  },
];

/** Every environment check the facts fail, with its fix. */
export function environmentProblems<E extends EnvironmentFacts>(
  env: E,
  checks: readonly EnvironmentCheck<E>[] = ENVIRONMENT_CHECKS,
): {
  readonly id: string;
  readonly problem: string;
  readonly fix: string;
  readonly path: string;
}[] {
  return checks.flatMap((c) => {
    const problem = c.problem(env);
    return problem === undefined ? [] : [{ id: c.id, problem, fix: c.fix, path: c.path(env) }];
  });
}

/**
 * The environment checks over every routing rule: the facts each rule gives its environments
 * (profile, protection), so that `config check` reports what synthesis would refuse. A profile
 * problem is reported once, at the profile, however many rules use it.
 */
export const ENVIRONMENT_RULES_CHECK: ConfigCheck = {
  name: 'every rule builds (the environment checks synthesis applies)',
  check: (config) => {
    const out: ConfigIssue[] = [];
    config.rules.forEach((rule, index) => {
      if (!known(rule, 'profile') || rule.branch === undefined) return;
      const key = rule.profile ?? config.defaults.profile;
      const profile = entryOf(config.profiles, key);
      if (key === undefined || profile?.task === undefined || profile.database === undefined)
        return;
      const facts: EnvironmentFacts = {
        name: rule.environment ?? `rules[${index}] ('${rule.branch}')`,
        protected: rule.protected === true,
        rule: { index, branch: rule.branch },
        profile: { ...(profile as Profile), name: key },
      };
      for (const p of environmentProblems(facts)) {
        const message = `${p.problem.replace(/^profiles\.[\w-]+: /, '')}; ${p.fix}`;
        if (!out.some((o) => o.path === p.path && o.message === message))
          out.push({ path: p.path, message });
      }
    });
    return out;
  },
};
