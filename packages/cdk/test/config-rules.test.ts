import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import {
  ConfigError,
  ConfigSchema,
  ENVIRONMENT_CHECKS as CONFIG_RULES,
  UserError,
  parseConfig,
  resolveEnvironment,
} from '@branch-env/core';
import { API_CHECKS, ENVIRONMENT_CHECKS, checkEnvironment } from '@branch-env/cdk';
import { ROOT } from './helpers.js';

/**
 * One home for config rules: every rule synthesis refuses an environment for is a rule of
 * `@branch-env/core`, and `config check` reports it. Generated from the rule table: a rule added
 * without an example here fails the first test.
 */
type Raw = any;
const rootConfig = (): Raw =>
  JSON.parse(readFileSync(join(ROOT, 'branch-env.config.json'), 'utf8')) as Raw;

/** For each rule: an edit of the repository config that breaks it, and a branch that reaches it. */
const BREAKS: Record<string, { readonly edit: (c: Raw) => void; readonly branch: string }> = {
  'sidecar-single-task': {
    edit: (c) => (c.profiles.preview.task.maxTasks = 2),
    branch: 'feature/x',
  },
  'protected-keeps-data': {
    edit: (c) => (c.rules.find((r: Raw) => r.branch === 'sandbox').profile = 'preview'),
    branch: 'sandbox',
  },
  'tasks-run': {
    edit: (c) => Object.assign(c.profiles.full.task, { minTasks: 3, maxTasks: 2 }),
    branch: 'sandbox',
  },
};

describe('every rule synthesis can reject is reported by config check', () => {
  it('has an example for every rule of the table, and synthesis applies exactly the table and the API guards', () => {
    expect(Object.keys(BREAKS).sort()).toEqual(CONFIG_RULES.map((c) => c.id).sort());
    expect(ENVIRONMENT_CHECKS.map((c) => c.id)).toEqual([
      ...CONFIG_RULES.map((c) => c.id),
      ...API_CHECKS.map((c) => c.id),
    ]);
  });

  it.each(CONFIG_RULES.map((c) => [c.id, c] as const))(
    '%s: synthesis refuses it and config check reports it at its JSON path',
    (id, rule) => {
      const example = BREAKS[id]!;
      const raw = rootConfig();
      example.edit(raw);
      // What a library user hands the constructs: schema-valid, never cross-checked.
      const env = resolveEnvironment(example.branch, ConfigSchema.parse(raw));
      const problem = rule.problem(env);
      expect(problem).toBeDefined();
      expect(() => checkEnvironment(env)).toThrow(UserError);
      expect(() => checkEnvironment(env)).toThrow(problem!);
      let error: unknown;
      try {
        parseConfig(raw);
      } catch (e) {
        error = e;
      }
      expect(error).toBeInstanceOf(ConfigError);
      const issues = (error as ConfigError).issues;
      const issue = issues.find((i) => i.path === rule.path(env));
      expect(issue, JSON.stringify(issues, null, 2)).toBeDefined();
      expect(issue!.message).toContain(rule.fix);
    },
  );

  it.each([
    'main',
    'prod/x',
    'hotfix/x',
    'prod1',
    'feature/x',
    'bugfix/x',
    'ai/x',
    'sandbox',
    'qa1',
    'staging2',
    'dev-alice-1',
  ])('the API guards pass for %s as resolveEnvironment() builds it', (branch) => {
    const env = resolveEnvironment(branch, parseConfig(rootConfig()));
    for (const guard of API_CHECKS) expect(guard.problem(env)).toBeUndefined();
    expect(() => checkEnvironment(env)).not.toThrow();
  });
});
