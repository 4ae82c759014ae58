import type { ConfigIssue } from '../errors.js';
import { compilePattern, matches, type BranchPattern } from '../routing/pattern.js';
import { closest } from './did-you-mean.js';
import { AWS_REGIONS, AWS_REGIONS_READ } from './regions.js';
import type { ConfigCheck } from './validate.js';
import { known, type ConfigView } from './view.js';

/**
 * Checks of the accounts and the routing rules that the schema cannot express: regions that
 * exist, and rules a branch can reach (no duplicate, no rule shadowed by an earlier one, no
 * catch-all ahead of a protected rule). Deploy role ARNs: security-checks.ts.
 */

/** Branches of varied shapes: a pattern that matches all of them is taken for a catch-all. */
const PROBES = [
  'main',
  'x',
  'feature/x',
  'a/b/c/d',
  'release/1.2',
  'dev-alice-1',
  'UPPER_case',
  'dependabot/npm_and_yarn/x-1.2.3',
  'ü/日本',
  'a.b@c',
];

/** Branches a glob matches, one per way of filling its wildcards (a few per wildcard). */
function witnesses(source: string): string[] {
  if (source.length >= 2 && source.startsWith('/') && source.endsWith('/')) return [];
  let out = [''];
  for (let i = 0; i < source.length && out.length <= 256; i++) {
    const c = source[i]!;
    let fills: string[];
    if (c === '*' && source[i + 1] === '*') {
      fills = ['a', 'q9/z-1', 'x/y/w'];
      i++;
    } else if (c === '*') fills = ['a', 'q9-z_1'];
    else if (c === '?') fills = ['a', '9'];
    else if (c === '[') {
      const end = source.indexOf(']', i + 2);
      const body = source.slice(i + 1, end);
      i = end;
      fills = body.startsWith('!') ? ['~'] : [body[0]!, body[body.length - 1]!];
    } else fills = [c];
    out = out.flatMap((prefix) => fills.map((f) => prefix + f));
  }
  return out;
}

function compiled(rules: ConfigView['rules']): (BranchPattern | undefined)[] {
  return rules.map((r) => {
    try {
      return r.branch === undefined ? undefined : compilePattern(r.branch);
    } catch {
      return undefined;
    }
  });
}

export const ROUTING_CHECKS: readonly ConfigCheck[] = [
  {
    name: 'regions exist',
    check: (config) =>
      Object.entries(config.accounts).flatMap(([key, account]) => {
        const region = account.region;
        if (region === undefined || Object.hasOwn(AWS_REGIONS, region)) return [];
        const near = closest(region, Object.keys(AWS_REGIONS));
        return [
          {
            path: `accounts.${key}.region`,
            message: `'${region}' is not an AWS region (regions as of ${AWS_REGIONS_READ})${near ? `; did you mean '${near}'?` : ''}`,
          },
        ];
      }),
  },
  {
    name: 'every rule is reachable',
    check: (config) => {
      if (!known(config, 'rules')) return [];
      const patterns = compiled(config.rules);
      const out: ConfigIssue[] = [];
      const catchAll = (i: number) => {
        const p = patterns[i];
        return p !== undefined && PROBES.every((b) => matches(p, b));
      };
      config.rules.forEach((rule, j) => {
        const pattern = patterns[j];
        if (rule.branch === undefined || pattern === undefined) return;
        const route = (branch: string) =>
          patterns.findIndex((p, i) => i < j && p !== undefined && matches(p, branch));
        const same = config.rules.findIndex((r, i) => i < j && r.branch === rule.branch);
        const wide = patterns.findIndex((_, i) => i < j && catchAll(i));
        const own = witnesses(rule.branch).filter((b) => matches(pattern, b));
        const takers = new Set(own.map(route));
        const shadow =
          same !== -1
            ? same
            : wide !== -1
              ? wide
              : own.length > 0 && takers.size === 1 && !takers.has(-1)
                ? [...takers][0]!
                : -1;
        if (shadow === -1) return;
        const earlier = config.rules[shadow]!;
        const why =
          same !== -1
            ? `duplicates rules[${shadow}]`
            : shadow === wide
              ? `comes after rules[${shadow}] ('${earlier.branch}'), which matches every branch`
              : `matches only branches rules[${shadow}] ('${earlier.branch}') takes first`;
        const message =
          rule.protected === true && earlier.protected !== true
            ? `rule '${rule.branch}' is protected but unreachable: it ${why}, so its branches route to rules[${shadow}]${earlier.account ? ` (account ${earlier.account})` : ''} unprotected; move it above rules[${shadow}]`
            : `rule '${rule.branch}' is unreachable: it ${why} (the first matching rule wins); remove it or move it above rules[${shadow}]`;
        out.push({ path: `rules[${j}].branch`, message });
      });
      return out;
    },
  },
];
