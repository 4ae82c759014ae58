import { getDomain } from 'tldts';
import type { ConfigIssue } from '../errors.js';
import { gitBranchProblem } from '../naming/git-ref.js';
import { compilePattern, matches, type BranchPattern } from '../routing/pattern.js';
import type { ConfigCheck } from './validate.js';
import { entryOf, known, type ConfigView } from './view.js';

/**
 * Config rules that keep production out of reach of everything else (issue 13). Each issue names
 * its JSON path, what is wrong and the edit that fixes it. Synthesis relies on them: what
 * `config check` accepts here, `deploy-role-stack.ts` and `environment-stack.ts` build.
 */

/** `arn:aws:iam::<id>:role/<path><name>`: IAM role names are at most 64 characters. */
const ROLE_ARN = /^arn:aws[a-z-]*:iam::(\d{12}):role(\/(?:[\w+=,.@-]+\/)*)([\w+=,.@-]{1,64})$/;

/**
 * The registrable domain ("site") of a DNS name by the Public Suffix List, private section
 * included as browsers use it: `dev.example.com` -> `example.com`, `a.b.github.io` -> `b.github.io`.
 */
export function registrableDomain(name: string): string | undefined {
  return getDomain(name, { allowPrivateDomains: true }) ?? undefined;
}

/** The profile and account of every rule, once per distinct pair (first rule wins). */
function routesOf(config: ConfigView): { index: number; profileKey: string; accountKey: string }[] {
  const seen = new Set<string>();
  return config.rules.flatMap((rule, index) => {
    if (!known(rule, 'profile') || rule.account === undefined) return [];
    const profileKey = rule.profile ?? config.defaults.profile;
    if (profileKey === undefined) return [];
    const pair = JSON.stringify([profileKey, rule.account]);
    if (seen.has(pair)) return [];
    seen.add(pair);
    return [{ index, profileKey, accountKey: rule.account }];
  });
}

export const SECURITY_CHECKS: readonly ConfigCheck[] = [
  {
    name: 'a production account id is not reused by a non-production account',
    check: (config) => {
      const production = new Map<string, string>();
      for (const [key, account] of Object.entries(config.accounts))
        if (account.production === true && account.id !== undefined && !production.has(account.id))
          production.set(account.id, key);
      return Object.entries(config.accounts).flatMap(([key, account]): ConfigIssue[] => {
        const prodKey = account.id === undefined ? undefined : production.get(account.id);
        if (account.production !== false || prodKey === undefined) return [];
        return [
          {
            path: `accounts.${key}.id`,
            message: `account '${key}' is not production but has the id ${account.id} of production account '${prodKey}', so its branches would deploy into production with the development role; use a separate AWS account for '${key}' (or mark it "production": true and protect its rules)`,
          },
        ];
      });
    },
  },
  {
    name: 'deploy roles are roles of their own account',
    check: (config) =>
      Object.entries(config.accounts).flatMap(([key, account]): ConfigIssue[] => {
        if (account.deployRoleArn === undefined || !known(account, 'deployRoleArn')) return [];
        const m = ROLE_ARN.exec(account.deployRoleArn);
        if (!m)
          return [
            {
              path: `accounts.${key}.deployRoleArn`,
              message: `'${account.deployRoleArn}' is not an IAM role ARN with a name of at most 64 characters; set it to arn:aws:iam::${account.id ?? '<account-id>'}:role/branch-env-deploy`,
            },
          ];
        if (account.id === undefined || m[1] === account.id) return [];
        return [
          {
            path: `accounts.${key}.deployRoleArn`,
            message: `the role is in account ${m[1]}, but account '${key}' has the id ${account.id}: CI would deploy '${key}' with another account's credentials; use a role of account ${account.id} (arn:aws:iam::${account.id}:role/branch-env-deploy, created by \`branch-env bootstrap\`)`,
          },
        ];
      }),
  },
  {
    name: 'non-production domains are not same-site with production',
    check: (config) => {
      const production = Object.entries(config.accounts).flatMap(([key, a]) =>
        a.production === true && a.domain !== undefined
          ? [{ key, name: a.domain.name, site: registrableDomain(a.domain.name) }]
          : [],
      );
      return Object.entries(config.accounts).flatMap(([key, account]): ConfigIssue[] => {
        if (account.production !== false || account.domain === undefined) return [];
        const site = registrableDomain(account.domain.name);
        const prod = production.find((p) => p.site !== undefined && p.site === site);
        if (prod === undefined) return [];
        return [
          {
            path: `accounts.${key}.domain.name`,
            message: `'${account.domain.name}' is on the registrable domain ${site} of production account '${prod.key}' ('${prod.name}'): preview code would be same-site with production and could set its cookies (cookie tossing) and pass its SameSite CSRF defences; serve non-production environments from a separate registrable domain, e.g. '${suggestedPreviewDomain(site)}' (docs/security.md)`,
          },
        ];
      });
    },
  },
  {
    name: 'the edge is the only way in',
    check: (config) =>
      routesOf(config).flatMap(({ index, profileKey, accountKey }): ConfigIssue[] => {
        const profile = entryOf(config.profiles, profileKey);
        const account = entryOf(config.accounts, accountKey);
        if (profile === undefined || account === undefined || !known(account, 'domain')) return [];
        if (profile.cloudfront === undefined || profile.customDomain === undefined) return [];
        const domain = profile.customDomain && account.domain !== undefined;
        if (!profile.customDomain || domain) {
          if (profile.cloudfront && !domain)
            return [
              {
                path: `rules[${index}]`,
                message: `profile '${profileKey}' puts CloudFront in front of the load balancer without a custom domain, so the origin leg cannot be HTTPS (no certificate names the load balancer) and the load balancer cannot be restricted to CloudFront; set profiles.${profileKey}.customDomain to true with a domain on accounts.${accountKey}, or set profiles.${profileKey}.cloudfront to false`,
              },
            ];
          if (!profile.cloudfront && !domain && account.production === true)
            return [
              {
                path: `rules[${index}]`,
                message: `profile '${profileKey}' would serve production account '${accountKey}' from the load balancer over plain HTTP (no CloudFront, no custom domain); add accounts.${accountKey}.domain and set profiles.${profileKey}.customDomain to true`,
              },
            ];
        }
        return [];
      }),
  },
  {
    name: 'protected pattern rules are created deliberately',
    check: (config) =>
      config.rules.flatMap((rule, i): ConfigIssue[] => {
        if (rule.protected !== true || rule.branch === undefined) return [];
        if (rule.environment !== undefined || isConcrete(rule.branch)) return [];
        if (!known(rule, 'allow') || !known(rule, 'maxEnvironments')) return [];
        if (rule.allow !== undefined || rule.maxEnvironments !== undefined) return [];
        // Production accounts deploy through the reviewed GitHub environment: a reviewer decides.
        if (entryOf(config.accounts, rule.account)?.production !== false) return [];
        return [
          {
            path: `rules[${i}]`,
            message: `protected rule '${rule.branch}' gives every branch it matches an environment that never expires and is never destroyed automatically, so anyone who can push creates as many as they like; list its branches in "allow" (e.g. "allow": ["qa1", "qa2"]) or cap them with "maxEnvironments" (e.g. "maxEnvironments": 3)`,
          },
        ];
      }),
  },
  {
    name: 'allowed branches are branches of their rule',
    check: (config) => {
      const patterns = config.rules.map((r) => patternOf(r.branch));
      return config.rules.flatMap((rule, i): ConfigIssue[] =>
        (rule.allow ?? []).flatMap((branch, j): ConfigIssue[] => {
          const path = `rules[${i}].allow[${j}]`;
          const problem = gitBranchProblem(branch);
          if (problem !== undefined)
            return [{ path, message: `'${branch}' is not a valid branch name: ${problem}` }];
          const own = patterns[i];
          if (own === undefined) return [];
          if (!matches(own, branch))
            return [
              {
                path,
                message: `'${branch}' does not match the rule's pattern '${rule.branch}', so the rule never sees it; remove it or fix the pattern`,
              },
            ];
          if (!known(config, 'rules')) return [];
          const first = patterns.findIndex((p) => p !== undefined && matches(p, branch));
          return first !== -1 && first < i
            ? [
                {
                  path,
                  message: `'${branch}' routes to rules[${first}] ('${config.rules[first]?.branch}'), which comes first; remove it here or move this rule before rules[${first}]`,
                },
              ]
            : [];
        }),
      );
    },
  },
];

/** A compiled pattern, or undefined for a missing or broken one (reported elsewhere). */
function patternOf(branch: string | undefined): BranchPattern | undefined {
  if (branch === undefined) return undefined;
  try {
    return compilePattern(branch);
  } catch {
    return undefined;
  }
}

/** A pattern that names one branch: no glob characters and not a /regex/. */
function isConcrete(pattern: string): boolean {
  return !/[*?[]/.test(pattern) && !(pattern.length >= 2 && /^\/.*\/$/.test(pattern));
}

/** `example.com` -> `example-preview.com`: a registrable domain of its own, for the fix text. */
function suggestedPreviewDomain(site: string | undefined): string {
  if (site === undefined) return 'previews.example.net';
  const dot = site.indexOf('.');
  return `${site.slice(0, dot)}-preview${site.slice(dot)}`;
}
