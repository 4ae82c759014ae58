import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import {
  auditTeardown,
  compilePattern,
  loadConfig,
  matches,
  resolveEnvironment,
  routeOf,
  type Config,
  type ResolvedEnvironment,
  type TeardownBlocker,
} from '@branch-env/core';
import { afterAll, describe, expect, it } from 'vitest';
import { createEnvironmentApp } from '../src/index.js';

/**
 * Every routing rule of the repository's own branch-env.config.json, synthesized the way CI would
 * (one environment per distinct profile × protection × account), audited with the teardown audit
 * of @branch-env/core: an unprotected environment must leave nothing behind; a protected one must
 * keep deletion protection, a final snapshot and backups on its database.
 */
const CONFIG_FILE = fileURLToPath(new URL('../../../branch-env.config.json', import.meta.url));
const { config } = loadConfig(CONFIG_FILE);

/** A branch the rule's glob matches (`**` → two segments, `*` → one word, `[1-9]` → its first). */
function sampleBranch(pattern: string): string | undefined {
  const candidates = pattern.startsWith('/')
    ? ['dev-alice-1']
    : [
        pattern
          .replace(/\*\*/g, 'teardown/audit')
          .replace(/\*/g, 'audit')
          .replace(/\[([^\]])[^\]]*\]/g, '$1')
          .replace(/\?/g, 'a'),
      ];
  return candidates.find((c) => matches(compilePattern(pattern), c));
}

interface Case {
  readonly key: string;
  readonly branch: string;
  readonly environment: ResolvedEnvironment;
}

function casesOf(cfg: Config): { cases: Case[]; unsampled: string[] } {
  const seen = new Map<string, Case>();
  const unsampled: string[] = [];
  cfg.rules.forEach((rule, index) => {
    // A rule with an allow list gives environments only to those names: sample the first.
    const branch = rule.allow?.[0] ?? sampleBranch(rule.branch);
    // The sample must land on this very rule (the first matching rule wins).
    if (branch === undefined || routeOf(branch, cfg)?.index !== index) {
      unsampled.push(`rules[${index}] ${rule.branch}`);
      return;
    }
    const environment = resolveEnvironment(branch, cfg);
    const key = `${environment.profile.name} ${environment.protected ? 'protected' : 'unprotected'} ${environment.account.key}`;
    if (!seen.has(key)) seen.set(key, { key, branch, environment });
  });
  return { cases: [...seen.values()], unsampled };
}

const { cases, unsampled } = casesOf(config);
const outdir = mkdtempSync(join(tmpdir(), 'branch-env-teardown-'));
afterAll(() => rmSync(outdir, { recursive: true, force: true }));

function audit(environment: ResolvedEnvironment): (TeardownBlocker & { stack: string })[] {
  const { app, stacks } = createEnvironmentApp({
    environment,
    outdir: join(outdir, environment.name),
    validate: false,
    nag: false,
  });
  const assembly = app.synth();
  return stacks.flatMap((stack) =>
    auditTeardown(assembly.getStackByName(stack.stackName).template, {
      protected: environment.protected,
    }).map((blocker) => ({ ...blocker, stack: stack.stackName })),
  );
}

describe('teardown audit of every profile in branch-env.config.json', () => {
  it('finds a sample branch for every rule', () => {
    expect(unsampled).toEqual([]);
  });

  it('covers at least one unprotected and one protected environment', () => {
    expect(cases.some((c) => !c.environment.protected)).toBe(true);
    expect(cases.some((c) => c.environment.protected)).toBe(true);
  });

  it.each(cases.map((c) => [c.key, c.branch, c] as const))(
    '%s (%s): zero findings',
    (_key, _branch, { environment }) => {
      expect(audit(environment)).toEqual([]);
    },
  );
});
