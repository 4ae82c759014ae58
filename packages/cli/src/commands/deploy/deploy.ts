import { appendFileSync } from 'node:fs';
import { dirname } from 'node:path';
import {
  CONFIG_BUS,
  estimateCost,
  expiresAtRecord,
  missingSecretsError,
  parameterName,
  resolveSecretSources,
  routedServiceCount,
  secretNamesOf,
  type SecretResolution,
  type ResolvedEnvironment,
} from '@branch-env/core';
import { secretsPresent } from '../../private/aws/app-secrets.js';
import { awsClients, type AwsClients } from '../../private/aws/clients.js';
import { waitForStable } from '../../private/aws/cloudformation.js';
import {
  deployWithRecovery,
  FAILED_CREATE_STATUSES,
} from '../../private/lifecycle/prepare-stacks.js';
import { requireAccount } from '../../private/aws/credentials.js';
import { commitOf } from '../../private/commit.js';
import { claimListenerRule } from '../../private/aws/listener-rules.js';
import { claimOwner, getParameter, putParameters } from '../../private/aws/ssm.js';
import type { ParsedArgs } from '../../private/command.js';
import { environmentFrom } from '../../private/context.js';
import { assertRuleCapacity } from '../../private/rule-capacity.js';
import { EXIT, printJson, type Io } from '../../private/io.js';
import type { Synthesis } from '../../private/synth.js';
import { userAppOf } from '../../private/user-app.js';

export interface DeployOutcome {
  readonly environment: string;
  readonly branch: string;
  readonly account: string;
  readonly region: string;
  readonly url: string | null;
  readonly stacks: readonly string[];
  readonly commit: string;
  readonly claimed: boolean;
  readonly deployedAt: string;
  readonly expiresAt: string;
  readonly costPerHour: number | null;
}

/** The deploy-written config-bus records (`writer: 'deploy'` in CONFIG_BUS), as parameters. */
export function deployRecords(
  env: Pick<ResolvedEnvironment, 'ssmPrefix' | 'ttlHours'>,
  input: { readonly commit: string; readonly at: Date; readonly costPerHour?: number | undefined },
): { name: string; value: string }[] {
  const p = (key: string) => parameterName(env.ssmPrefix, key);
  const records = [
    { name: p(CONFIG_BUS.commit.key), value: input.commit },
    { name: p(CONFIG_BUS.createdAt.key), value: input.at.toISOString() },
    { name: p(CONFIG_BUS.deployedAt.key), value: input.at.toISOString() },
    { name: p(CONFIG_BUS.expiresAt.key), value: expiresAtRecord(env.ttlHours, input.at) },
  ];
  if (input.costPerHour !== undefined) {
    records.push({
      name: p(CONFIG_BUS.estimatedCostPerHour.key),
      value: input.costPerHour.toFixed(4),
    });
  }
  return records;
}

/** `key=value` lines for $GITHUB_OUTPUT (kebab-case keys; values are single-line). */
export function stepOutputs(o: DeployOutcome): string {
  const rows: [string, string][] = [
    ['environment', o.environment],
    ['branch', o.branch],
    ['url', o.url ?? ''],
    ['stack-names', o.stacks.join(',')],
    ['account', o.account],
    ['region', o.region],
    ['commit', o.commit],
    ['expires-at', o.expiresAt],
    ['cost-per-hour', o.costPerHour === null ? '' : o.costPerHour.toFixed(4)],
  ];
  return rows.map(([k, v]) => `${k}=${v.replace(/[\r\n]+/g, ' ')}\n`).join('');
}

/** Markdown for $GITHUB_STEP_SUMMARY. */
export function jobSummary(o: DeployOutcome): string {
  return [
    `### branch-env: deployed \`${o.environment}\``,
    '',
    '| | |',
    '|---|---|',
    `| URL | ${o.url ? `<${o.url}>` : 'n/a'} |`,
    `| Branch | \`${o.branch}\` |`,
    `| Account | ${o.account} (${o.region}) |`,
    `| Stacks | ${o.stacks.map((s) => `\`${s}\``).join(', ')} |`,
    `| Commit | \`${o.commit}\` |`,
    `| Cost | ${o.costPerHour === null ? 'unknown' : `$${o.costPerHour.toFixed(3)}/h (modelled, idle)`} |`,
    `| Expires | ${o.expiresAt} |`,
    '',
  ].join('\n');
}

/**
 * Where each secret of the environment's services and jobs comes from (its own value, else the
 * app-wide one), and which have neither. No AWS call when nothing reads a secret.
 */
export async function secretSourcesOf(
  aws: AwsClients,
  env: ResolvedEnvironment,
): Promise<SecretResolution> {
  if (secretNamesOf(env).length === 0) return { sources: [], missing: [] };
  return resolveSecretSources(env, await secretsPresent(aws, env.app, env.name));
}

export async function run(args: ParsedArgs, io: Io): Promise<number> {
  const { env, config, file } = environmentFrom(args, io, { checkFiles: true });
  const commit = commitOf(args, io);
  const aws = awsClients(env.region);

  // 1. Credentials, for the account the branch routes to: nothing happens without them.
  const me = await requireAccount(aws, env, 'deploy');
  io.err(
    `deploying ${env.name} (branch ${env.branch}) to ${env.account.key} ${env.account.id} ${env.region} as ${me.arn}\n`,
  );

  // 2. Another deploy or a delete of this environment must finish first (a running destroy
  // would delete the owner record claimed below).
  const status = await waitForStable(aws, env.stacks.main, {
    onStatus: (s) => s.endsWith('_IN_PROGRESS') && io.err(`waiting: ${env.stacks.main} is ${s}\n`),
  });

  // 2b. A new environment must fit in the account: refuse before claiming anything.
  // (A stack that never completed is deleted and created again below: it is new as well.)
  if (status === undefined || status === 'DELETE_COMPLETE' || FAILED_CREATE_STATUSES.has(status)) {
    const { checkRoom } = await import('../../private/room.js');
    await checkRoom(env, config, io);
  }

  // 2c. A rule that caps its environments (maxEnvironments): count them before claiming.
  await assertRuleCapacity(env, config, io);

  // 3. Every secret the services and jobs read has a value, for this environment or app-wide:
  // refused here, before anything is created, with the commands that set the missing ones.
  const secrets = await secretSourcesOf(aws, env);
  if (secrets.missing.length > 0) throw missingSecretsError(env, secrets.missing);

  // 3c. On an account platform the stacks run the commit's images from the platform's repositories
  // (docs/images.md): awaited in CI (the workflow's `image push` builds them beside diff), built
  // here when missing otherwise. A change set never runs before they exist; a failed build claims nothing.
  const imageTag = await (
    await import('../../private/lifecycle/images.js')
  ).readyImages(aws, env, {
    commit,
    ci: args.values.ci === true,
    io,
    configDirectory: dirname(file),
  });

  // 4. Claim (or confirm) ownership atomically before anything is created.
  const ownerParameter = parameterName(env.ssmPrefix, CONFIG_BUS.ownerBranch.key);
  const ownership = await claimOwner(aws, {
    environment: env.name,
    parameter: ownerParameter,
    branch: env.branch,
    tags: env.tags,
  });
  io.err(
    ownership.kind === 'unclaimed'
      ? `claimed ${env.name} for ${env.branch}\n`
      : `${env.name} is owned by ${env.branch}\n`,
  );
  // 3b. A shared environment claims its listener rule on the platform (atomic; refused with the
  // fix when the platform is full, before the environment's stack is deployed).
  const listenerRule =
    env.profile.isolation === 'shared'
      ? await claimListenerRule(aws, {
          app: env.app,
          environment: env.name,
          loadBalancers: env.account.platform?.loadBalancers ?? 1,
          tags: env.tags,
          count: routedServiceCount(env.services),
        })
      : undefined;
  if (listenerRule)
    io.err(
      `listener rule(s) of ${env.name}: priority ${listenerRule.priorities.join(', ')} on platform load balancer ${listenerRule.loadBalancer}${listenerRule.claimed ? ' (claimed)' : ''}\n`,
    );

  const createOnly = new Set([parameterName(env.ssmPrefix, CONFIG_BUS.createdAt.key)]);
  // An expiry exists from the first attempt on, so a deploy that fails is still reaped.
  const early = deployRecords(env, { commit, at: new Date() }).filter((r) =>
    [CONFIG_BUS.createdAt.key, CONFIG_BUS.expiresAt.key].some((k) => r.name.endsWith(`/${k}`)),
  );
  await putParameters(aws, early, env.tags, createOnly);

  // 5. Synthesize in-process and deploy with the toolkit, streaming progress to stderr.
  const [{ synthesizeEnvironment }, { deployAssembly, toolkitFailure }] = await Promise.all([
    import('../../private/synth.js'),
    import('../../private/aws/toolkit.js'),
  ]);
  // Stacks that never completed are deleted and created again; protection comes after the create.
  // Jobs (migrations, seeding) run inside the stack update, before its services are updated; a
  // failed job rolls it back and is reported with its exit code and log (docs/services.md#jobs).
  let synthesis: Synthesis | undefined;
  const deployStarted = new Date(Date.now() - 60_000); // CloudFormation's clock may be behind ours
  const { result: deployed } = await deployWithRecovery(aws, env, io, ({ firstCreate }) =>
    deployAssembly(
      async (outdir) => {
        io.err(`synthesizing ${env.name}...\n`);
        synthesis = await synthesizeEnvironment(env, {
          commit,
          imageTag,
          outdir,
          validate: true,
          nag: false,
          firstCreate,
          listenerRule,
          configDirectory: dirname(file),
          secretSources: Object.fromEntries(secrets.sources.map((x) => [x.name, x.secretId])),
          app: userAppOf(config, file, io),
        });
        return { directory: synthesis.directory };
      },
      { io, tags: env.tags },
    ).catch(async (error: unknown) => {
      const { explainDeployFailure } = await import('../../private/lifecycle/job-failure.js');
      throw toolkitFailure(
        'deploy',
        env.name,
        await explainDeployFailure(aws, env, error, deployStarted),
      );
    }),
  );

  // 6. Metadata and URL.
  const at = new Date();
  const costPerHour = synthesis?.stacks.reduce((s, st) => s + estimateCost(st.template).perHour, 0);
  await putParameters(aws, deployRecords(env, { commit, at, costPerHour }), env.tags, createOnly);
  const url =
    (await getParameter(aws, parameterName(env.ssmPrefix, CONFIG_BUS.serviceUrl.key))) ??
    (env.dnsName ? `https://${env.dnsName}` : null);
  const outcome: DeployOutcome = {
    environment: env.name,
    branch: env.branch,
    account: env.account.id,
    region: env.region,
    url,
    stacks: deployed.map((s) => s.name),
    commit,
    claimed: ownership.kind === 'unclaimed',
    deployedAt: at.toISOString(),
    expiresAt: expiresAtRecord(env.ttlHours, at),
    costPerHour: costPerHour === undefined ? null : Math.round(costPerHour * 10_000) / 10_000,
  };
  if (args.values.ci) {
    if (io.env.GITHUB_OUTPUT) appendFileSync(io.env.GITHUB_OUTPUT, stepOutputs(outcome));
    if (io.env.GITHUB_STEP_SUMMARY) appendFileSync(io.env.GITHUB_STEP_SUMMARY, jobSummary(outcome));
    if (io.env.GITHUB_STEP_SUMMARY && synthesis) {
      const { timelineSummary } = await import('../timeline/timeline.js');
      appendFileSync(
        io.env.GITHUB_STEP_SUMMARY,
        await timelineSummary(env, synthesis.stacks, awsClients),
      );
    }
  }
  if (args.values.json) printJson(io, outcome);
  else io.out(`${url ?? `${env.name} deployed (no URL recorded)`}\n`);
  return EXIT.ok;
}
