import { destroyCommand, mdCell, printable, type ResolvedEnvironment } from '@branch-env/core';

/** Output names in action.yml order; each is also exported as BRANCH_ENV_<NAME>. */
export const OUTPUT_NAMES = [
  'routed',
  'reason',
  'branch',
  'environment',
  'account',
  'account-id',
  'production',
  'region',
  'role-arn',
  'profile',
  'stack-names',
  'url',
  'protected',
  'ttl-hours',
  'ssm-prefix',
  'cross-repository',
  'destroy-command',
] as const;

export type OutputName = (typeof OUTPUT_NAMES)[number];
export type Outputs = Readonly<Record<OutputName, string>>;

/** `ttl-hours` -> `BRANCH_ENV_TTL_HOURS` */
export function envVarName(output: OutputName): string {
  return `BRANCH_ENV_${output.toUpperCase().replace(/-/g, '_')}`;
}

const NO_OUTPUTS = Object.fromEntries(OUTPUT_NAMES.map((n) => [n, ''])) as Outputs;

export function routedOutputs(env: ResolvedEnvironment): Outputs {
  return {
    routed: 'true',
    reason: '',
    branch: env.branch,
    environment: env.name,
    account: env.account.key,
    'account-id': env.account.id,
    production: String(env.account.production),
    region: env.region,
    'role-arn': env.deployRoleArn,
    profile: env.profile.name,
    'stack-names': JSON.stringify(
      [env.stacks.main, env.stacks.certificate].filter((s): s is string => Boolean(s)),
    ),
    url: env.dnsName ? `https://${env.dnsName}` : '',
    protected: String(env.protected),
    'ttl-hours': env.ttlHours === null ? '' : String(env.ttlHours),
    'ssm-prefix': env.ssmPrefix,
    'cross-repository': 'false',
    'destroy-command': destroyCommand({
      cli: ['npx', 'branch-env'],
      branch: env.branch,
      environment: env.name,
      forceProtected: env.protected,
    }),
  };
}

/** Outputs when the branch gets no environment: routed=false, the reason, the branch if known. */
export function unroutedOutputs(reason: string, branch = '', crossRepository = false): Outputs {
  return {
    ...NO_OUTPUTS,
    routed: 'false',
    reason,
    branch,
    'cross-repository': String(crossRepository),
  };
}

function cell(value: string): string {
  return value === '' ? '—' : mdCell(printable(value));
}

/** The job summary: a table of every output. */
export function summaryMarkdown(outputs: Outputs, source: string): string {
  const title =
    outputs.routed === 'true'
      ? `### branch-env: \`${outputs.environment}\``
      : '### branch-env: no environment';
  const lead =
    outputs.routed === 'true'
      ? `Resolved from ${source}.`
      : `${outputs.reason}. Jobs that need an environment are skipped.`;
  const rows = OUTPUT_NAMES.filter((n) => n !== 'reason' || outputs.reason !== '').map(
    (n) => `| ${n} | ${cell(outputs[n])} |`,
  );
  return [title, '', lead, '', '| output | value |', '|---|---|', ...rows, ''].join('\n');
}
