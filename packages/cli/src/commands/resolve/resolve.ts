import type { ResolvedEnvironment } from '@branch-env/core';
import type { ParsedArgs } from '../../private/command.js';
import { environmentFrom } from '../../private/context.js';
import { EXIT, printJson, table, type Io } from '../../private/io.js';

/**
 * The stable `--json` shape of `branch-env resolve` (docs/cli.md): every key is always present,
 * `null` where the environment has no such thing.
 */
export function resolveJson(env: ResolvedEnvironment): Record<string, unknown> {
  return {
    environment: env.name,
    naming: env.naming,
    branch: env.branch,
    app: env.app,
    rule: env.rule,
    account: { key: env.account.key, id: env.account.id, production: env.account.production },
    region: env.region,
    deployRoleArn: env.deployRoleArn,
    profile: env.profile,
    protected: env.protected,
    ttlHours: env.ttlHours,
    stacks: { main: env.stacks.main, certificate: env.stacks.certificate ?? null },
    dnsName: env.dnsName ?? null,
    url: env.dnsName ? `https://${env.dnsName}` : null,
    ssmPrefix: env.ssmPrefix,
    baseline: env.baseline ?? null,
    tags: env.tags,
  };
}

export function resolveText(env: ResolvedEnvironment): string {
  const db = env.profile.database;
  return table([
    [
      'environment',
      `${env.name}${env.naming.form === 'plain' ? '' : ` (${env.naming.form} name)`}`,
    ],
    ['branch', env.branch],
    ['rule', `rules[${env.rule.index}] ${env.rule.branch}`],
    [
      'account',
      `${env.account.key} ${env.account.id}${env.account.production ? ' (production)' : ''}`,
    ],
    ['region', env.region],
    ['deploy role', env.deployRoleArn],
    [
      'profile',
      `${env.profile.name}: database ${db.engine}, ${env.profile.natGateways} NAT, ${env.profile.task.cpu} CPU/${env.profile.task.memoryMiB} MiB ${env.profile.task.architecture}${env.profile.task.spot ? ' spot' : ''}, CloudFront ${env.profile.cloudfront ? 'on' : 'off'}`,
    ],
    ['protected', env.protected ? 'yes' : 'no'],
    ['expires', env.ttlHours === null ? 'never' : `${env.ttlHours} h after the last deploy`],
    ['stacks', [env.stacks.main, env.stacks.certificate].filter(Boolean).join(', ')],
    [
      'url',
      env.dnsName ? `https://${env.dnsName}` : 'the load balancer address, known after deploy',
    ],
    ['ssm prefix', env.ssmPrefix],
  ]);
}

export function run(args: ParsedArgs, io: Io): number {
  const { env } = environmentFrom(args, io);
  if (args.values.json) printJson(io, resolveJson(env));
  else io.out(resolveText(env));
  return EXIT.ok;
}
