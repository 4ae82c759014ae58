import {
  destroyCommand,
  CONFIG_BUS,
  UserError,
  arnType,
  checkOwnership,
  containerInsightsLogGroup,
  environmentSecretPrefix,
  exportedLogGroupPrefix,
  LOG_EXPORTING_TYPES,
  leftoversAfterDestroy,
  parameterName,
  protectionOf,
  settleLeftovers,
  type Config,
  type Leftover,
  type TaggedResource,
} from '@branch-env/core';
import { CERTIFICATE_REGION, scanAccounts } from '../../private/accounts.js';
import { awsClients, type AwsClients } from '../../private/aws/clients.js';
import {
  deleteStack,
  physicalIdsByType,
  type StackDeleteResult,
} from '../../private/aws/cloudformation.js';
import { callerIdentity } from '../../private/aws/credentials.js';
import { isPermissionError } from '../../private/aws-errors.js';
import { deleteAllImages, repositoryName } from '../../private/aws/ecr.js';
import { deleteLogGroup, deleteLogGroups } from '../../private/aws/logs.js';
import { sleep } from '../../private/aws/retry.js';
import { isPlatformRepository, releaseListenerRule } from '../../private/aws/listener-rules.js';
import { deleteParametersUnder, getParameter } from '../../private/aws/ssm.js';
import { deleteAcmValidationRecords } from '../../private/aws/route53.js';
import { secretState } from '../../private/aws/secrets.js';
import { removeSecret, secretNamesUnder } from '../../private/aws/app-secrets.js';
import { scanTagged } from '../../private/aws/tagging.js';
import type { ParsedArgs } from '../../private/command.js';
import { configFrom } from '../../private/context.js';
import { EXIT, printJson, type Io } from '../../private/io.js';
import { targetForName, targetFromArgument, type EnvironmentTarget } from '../../private/target.js';

export interface DestroyReport {
  readonly environment: string;
  readonly branch: string | null;
  readonly account: string;
  readonly region: string;
  readonly stacks: readonly StackDeleteResult[];
  readonly images: number;
  readonly parameters: readonly string[];
  readonly logGroups: readonly string[];
  /** ACM DNS validation CNAMEs deleted from the account's hosted zone. */
  readonly dnsRecords: readonly string[];
  readonly leftovers: readonly Leftover[];
  /** Nothing billable is left and every stack is gone. */
  readonly clean: boolean;
}

export interface DestroyOptions {
  readonly clientsFor?: (region: string) => AwsClients;
  /** Tag scans before giving up on leftovers (the tagging index lags deletes). @default 3 */
  readonly scans?: number;
  /** Pause between tag scans. @default 10000 */
  readonly scanPauseMs?: number;
  /** The user passed --force-protected: termination protection is turned off. @default false */
  readonly forceProtected?: boolean;
  /** How long a stack delete is waited for (CloudFront takes 30–60+ min). @default 120 minutes */
  readonly deleteTimeoutMs?: number;
}

/**
 * Remove an environment completely, in the order that lets each step succeed: the environment
 * stack, the us-east-1 certificate stack, then what lives outside CloudFormation (images left in a
 * repository that survived, parameters deploy and services wrote, log groups services and
 * Container Insights created, the ACM validation records in the hosted zone),
 * then a tag scan in both regions that proves nothing tagged with the environment remains.
 * Safe to run again: every step treats "already gone" as done.
 */
export async function destroyEnvironment(
  target: EnvironmentTarget,
  io: Io,
  options: DestroyOptions = {},
): Promise<DestroyReport> {
  const clientsFor = options.clientsFor ?? awsClients;
  const aws = clientsFor(target.region);
  const step = (text: string) => io.err(`[${target.environment}] ${text}\n`);

  const repo = await getParameter(
    aws,
    parameterName(target.ssmPrefix, CONFIG_BUS.ecrRepository.key),
  );

  // Log groups AWS creates at run time, outside CloudFormation, named after resources whose names
  // CloudFormation chose: Container Insights' /aws/ecs/containerinsights/<cluster>/performance and
  // a database's log exports (/aws/docdb/<cluster>/audit, …). The names are read from the stack
  // before it is deleted, or, when destroy runs again after the delete finished, from the deleted
  // stack by its id.
  const runtimeLogGroups = await runtimeLogGroupsOf(aws, target.stacks.main);

  const stacks: StackDeleteResult[] = [];
  for (const [name, region] of [
    [target.stacks.main, target.region],
    [target.stacks.certificate, CERTIFICATE_REGION],
  ] as const) {
    // The certificate stays while the distribution that uses it is not deleted.
    if (stacks.some((x) => x.failures.length > 0)) break;
    step(`deleting stack ${name} (${region})...`);
    const result = await deleteStack(clientsFor(region), name, {
      onStatus: (s) => step(`${name}: ${s}`),
      disableTerminationProtection: options.forceProtected === true,
      deleteTimeoutMs: options.deleteTimeoutMs,
      rerun: destroyCommand({
        environment: target.environment,
        forceProtected: options.forceProtected === true,
      }),
    });
    for (const e of result.emptied) step(`emptied ${e} and retried the delete`);
    step(
      !result.existed
        ? `${name}: not there`
        : result.failures.length === 0
          ? `${name}: deleted`
          : `${name}: DELETE_FAILED (${result.failures.length} resource(s))`,
    );
    stacks.push(result);
  }

  // The stack empties and deletes its repository (EmptyOnDelete). A repository that survived it
  // (retained) still holds images CI pushed: delete them, unless the environment is protected
  // (retention there is on purpose). Done after the stacks, so a refused or failed stack delete
  // never leaves a running environment without its images.
  // A stack that failed to delete still exists: keep its records (owner, expiry) so list, reap and
  // the next destroy see it whole, and no other branch can claim the name meanwhile.
  const stacksGone = stacks.every((s) => s.failures.length === 0);
  let images = 0;
  let parameters: string[] = [];
  let logGroups: string[] = [];
  let dnsRecords: string[] = [];
  const undeleted: Leftover[] = [];
  if (stacksGone) {
    // A repository of the platform (shared environments, and dedicated ones on a platform account)
    // holds images every environment of the class runs: never empty it (docs/images.md). `none`:
    // the primary service runs a prebuilt image.
    if (
      repo &&
      repo !== 'none' &&
      target.protected !== true &&
      !(await isPlatformRepository(aws, target.app, repo))
    ) {
      images = await deleteAllImages(aws, repositoryName(repo));
      if (images > 0) step(`deleted ${images} image(s) from ${repositoryName(repo)}`);
    }
    parameters = await deleteParametersUnder(aws, target.ssmPrefix);
    // A shared environment's listener-rule claim on the platform, now that its rule is gone.
    const released = await releaseListenerRule(aws, {
      app: target.app,
      environment: target.environment,
    });
    for (const name of released) step(`released listener-rule claim ${name}`);
    parameters.push(...released);
    if (parameters.length > 0)
      step(`deleted ${parameters.length} parameter(s) under ${target.ssmPrefix}`);
    // Application secrets set for this environment alone (`branch-env secret set --environment`);
    // a protected environment keeps them, as it keeps its data.
    if (target.protected !== true) {
      const prefix = environmentSecretPrefix(target.app, target.environment);
      const names = await secretNamesUnder(aws, prefix);
      for (const name of names) await removeSecret(aws, `${prefix}${name}`);
      if (names.length > 0)
        step(`scheduled ${names.length} secret(s) under ${prefix} for deletion`);
    }
    logGroups = await deleteLogGroups(aws, target.ssmPrefix);
    if (logGroups.length > 0)
      step(`deleted ${logGroups.length} log group(s) under ${target.ssmPrefix}`);
    for (const group of runtimeLogGroups) {
      const shown = 'name' in group ? group.name : `${group.prefix}*`;
      try {
        const deleted = await deleteRuntimeLogGroup(aws, group);
        logGroups.push(...deleted);
        for (const name of deleted) step(`deleted ${name}`);
      } catch (error) {
        // Not a reason to stop the cleanup: report it as what is left, with the permission.
        if (!isPermissionError(error)) throw error;
        step(`could not delete ${shown}: ${(error as Error).name}`);
        undeleted.push({
          arn: `arn:aws:logs:${target.region}:${target.account.id}:log-group:${shown}`,
          type: 'logs:log-group',
          kind: 'billable',
          note: `${group.what}; the credentials may not delete it (logs:DeleteLogGroup): delete it by hand, or give the deploy role that permission and destroy again`,
        });
      }
    }
    // ACM adds a DNS validation CNAME per certificate name to the hosted zone and leaves it when
    // the certificate is deleted: remove the environment's, now that no certificate needs them.
    if (target.domain) {
      const zone = target.domain.hostedZoneId;
      const records = `_<token>.${target.environment}.${target.domain.name}`;
      const unverifiedZone = (why: string): Leftover => ({
        arn: `arn:aws:route53:::hostedzone/${zone}`,
        type: 'route53:hostedzone',
        kind: 'unverified',
        note: `ACM validation records ${records} ${why}`,
      });
      try {
        const dns = await deleteAcmValidationRecords(
          clientsFor(CERTIFICATE_REGION),
          zone,
          target.environment,
          target.domain.name,
        );
        dnsRecords = dns.deleted;
        if (dnsRecords.length > 0)
          step(`deleted ${dnsRecords.length} ACM validation record(s) from hosted zone ${zone}`);
        if (!dns.complete) {
          step(
            `hosted zone ${zone}: not every name under ${target.environment}.${target.domain.name} was read`,
          );
          undeleted.push(
            unverifiedZone(
              `not all checked: the zone has more names under ${target.environment}.${target.domain.name} than one destroy reads; destroy again to check the rest`,
            ),
          );
        }
      } catch (error) {
        if (!isPermissionError(error)) throw error;
        step(`could not check hosted zone ${zone}: ${(error as Error).name}`);
        undeleted.push(
          unverifiedZone(
            'not checked: the credentials may not read or change the hosted zone (route53:ListResourceRecordSets, route53:ChangeResourceRecordSets)',
          ),
        );
      }
    }
  } else {
    step('a stack is not deleted: keeping its parameters, log groups and images for the retry');
  }

  const scans = options.scans ?? 3;
  let leftovers: readonly Leftover[] = [];
  let clean = false;
  for (let i = 1; i <= scans; i++) {
    step(
      `tag scan ${i}/${scans}: branch-env:app=${target.app}, branch-env:environment=${target.environment}`,
    );
    const regions = [...new Set([target.region, CERTIFICATE_REGION])];
    const found = await withSecretStates(
      (
        await Promise.all(
          regions.map((r) => scanTagged(clientsFor(r), target.app, target.environment)),
        )
      ).flat(),
      clientsFor,
    );
    ({ leftovers, clean } = leftoversAfterDestroy(found, {
      app: target.app,
      environment: target.environment,
      keepSnapshots: target.keepSnapshots,
    }));
    if (clean || !stacksGone || i === scans) break;
    await sleep(options.scanPauseMs ?? 10_000);
  }
  // What destroy could not delete or check itself is left too: one report, one order, one verdict.
  ({ leftovers, clean } = settleLeftovers([...leftovers, ...undeleted]));
  return {
    environment: target.environment,
    branch: target.branch ?? null,
    account: target.account.id,
    region: target.region,
    stacks,
    images,
    parameters,
    logGroups,
    dnsRecords,
    leftovers,
    clean: clean && stacksGone,
  };
}

/**
 * Secrets the tag scan finds, with whether each is scheduled for deletion or active (DescribeSecret
 * `DeletedDate`): a deleted secret waits out its recovery window, a kept one is active. Secrets
 * already gone are dropped; without the permission to look, the state stays unknown.
 */
async function withSecretStates(
  found: readonly TaggedResource[],
  clientsFor: (region: string) => AwsClients,
): Promise<TaggedResource[]> {
  const out: TaggedResource[] = [];
  for (const r of found) {
    if (arnType(r.arn) !== 'secretsmanager:secret') {
      out.push(r);
      continue;
    }
    const state = await secretState(clientsFor(r.arn.split(':')[3] ?? ''), r.arn);
    if (state !== 'gone') out.push({ ...r, state });
  }
  return out;
}

/** What to do about a resource CloudFormation could not delete, by type. Rules as data. */
export const DELETE_FAILURE_HINTS: Readonly<Record<string, string>> = {
  'AWS::DocDB::DBCluster':
    'deletion protection is on (a protected profile): aws docdb modify-db-cluster --db-cluster-identifier <id> --no-deletion-protection --apply-immediately, then destroy again',
  'AWS::RDS::DBCluster':
    'deletion protection is on (a protected profile): aws rds modify-db-cluster --db-cluster-identifier <id> --no-deletion-protection --apply-immediately, then destroy again',
  'AWS::S3::Bucket': 'still not empty after emptying (a writer is still running?): destroy again',
  'AWS::EC2::SecurityGroup':
    'network interfaces still attached (Lambda or ECS ENIs are released up to 45 min later): destroy again later',
  'AWS::EC2::Subnet': 'network interfaces still attached: destroy again later',
};

export function destroyText(report: DestroyReport): string {
  const lines: string[] = [];
  const failed = report.stacks.filter((s) => s.failures.length > 0);
  if (report.clean) {
    lines.push(
      `${report.environment} is gone: nothing tagged with it is left in ${report.account}.`,
    );
  } else {
    lines.push(`${report.environment} was NOT completely destroyed:`);
  }
  for (const s of failed) {
    for (const f of s.failures) {
      lines.push(
        `  stack ${s.stack}: ${f.logicalId} (${f.type}${f.physicalId ? ` ${f.physicalId}` : ''}) ${f.reason}`,
      );
      const hint = DELETE_FAILURE_HINTS[f.type];
      if (hint) lines.push(`    fix: ${hint.replace('<id>', f.physicalId ?? '<id>')}`);
    }
  }
  for (const l of report.leftovers)
    lines.push(`  ${l.kind.padEnd(16)} ${l.arn}\n  ${''.padEnd(16)} ${l.note}`);
  return `${lines.join('\n')}\n`;
}

/** Refuse a protected environment unless --force-protected. */
export function assertDestroyAllowed(target: EnvironmentTarget, force: boolean): void {
  if (target.protected === true && !force) {
    throw new UserError(
      `environment '${target.environment}' is protected${target.branch ? ` (branch '${target.branch}')` : ''}; refusing to destroy it`,
      `if you really mean it: ${destroyCommand({ branch: target.branch, environment: target.environment, forceProtected: true })}`,
    );
  }
}

/** Find an environment named on the command line in the accounts the credentials reach. */
async function lookupTarget(config: Config, name: string, io: Io): Promise<EnvironmentTarget> {
  const { accounts } = await scanAccounts(config, io, 'destroy');
  const hits = accounts.flatMap((a) =>
    a.environments.filter((e) => e.environment === name).map((e) => ({ a, e })),
  );
  const hit = hits[0];
  if (!hit) {
    // Nothing recorded: still clean up by naming convention in the reachable non-production
    // account (idempotent), so a half-created environment can be removed by name.
    const reachable = accounts.find((a) => a.reachable && !a.production);
    if (!reachable)
      throw new UserError(
        `no environment '${name}' found in the accounts these credentials reach`,
        'check the name with `branch-env list`, or use credentials for the account it lives in',
      );
    return targetForName(config, name, reachable.key, undefined, 'environment-name');
  }
  const protection = protectionOf(hit.e, config);
  return targetForName(
    config,
    name,
    hit.a.key,
    protection.protected,
    'environment-name',
    hit.e.ownerBranch,
  );
}

export async function run(args: ParsedArgs, io: Io): Promise<number> {
  const { config } = configFrom(args, io);
  const arg = args.positionals[0] ?? '';
  const force = args.values['force-protected'] === true;
  const understood = targetFromArgument(arg, config);
  // Protection is decided offline when the argument resolves: no AWS call before refusing.
  if ('target' in understood) assertDestroyAllowed(understood.target, force);
  let target: EnvironmentTarget;
  if ('target' in understood) {
    target = understood.target;
    const aws = awsClients(target.region);
    const me = await callerIdentity(aws, 'destroy');
    if (me.account !== target.account.id) {
      throw new UserError(
        `the AWS credentials are for account ${me.account}, but '${target.environment}' lives in ${target.account.key} account ${target.account.id}`,
        `use credentials for account ${target.account.id}`,
      );
    }
    if (target.via === 'branch' && target.branch) {
      const owner = await getParameter(
        aws,
        parameterName(target.ssmPrefix, CONFIG_BUS.ownerBranch.key),
      );
      const ownership = checkOwnership(owner, target.branch);
      if (ownership.kind === 'conflict') {
        throw new UserError(
          `environment '${target.environment}' belongs to branch '${ownership.owner}', not '${target.branch}'`,
          `to destroy it anyway, name the environment: ${destroyCommand({ environment: target.environment })}`,
        );
      }
    }
  } else {
    target = await lookupTarget(config, understood.lookup, io);
    assertDestroyAllowed(target, force);
  }
  const report = await destroyEnvironment(target, io, { forceProtected: force });
  if (args.values.json) printJson(io, report);
  else io.out(destroyText(report));
  return report.clean ? EXIT.ok : EXIT.user;
}

/** A log group AWS writes at run time: by exact name, or every group under a prefix. */
type RuntimeLogGroup =
  | { readonly name: string; readonly what: string }
  | { readonly prefix: string; readonly what: string };

/** Delete one run-time log group, or every group under its prefix; the names deleted. */
async function deleteRuntimeLogGroup(aws: AwsClients, group: RuntimeLogGroup): Promise<string[]> {
  if ('prefix' in group) return deleteLogGroups(aws, group.prefix);
  return (await deleteLogGroup(aws, group.name)) ? [group.name] : [];
}

/**
 * The log groups AWS writes at run time for the resources of a stack: Container Insights' one
 * per cluster (exact name), and every log type a database exports (by prefix: the types are the
 * database's `EnableCloudwatchLogsExports`, not known here).
 */
async function runtimeLogGroupsOf(aws: AwsClients, stack: string): Promise<RuntimeLogGroup[]> {
  const ids = await physicalIdsByType(aws, stack, ['AWS::ECS::Cluster', ...LOG_EXPORTING_TYPES]);
  const groups: RuntimeLogGroup[] = (ids.get('AWS::ECS::Cluster') ?? []).map((cluster) => ({
    name: containerInsightsLogGroup(cluster),
    what: 'Container Insights log group',
  }));
  for (const type of LOG_EXPORTING_TYPES) {
    for (const id of ids.get(type) ?? []) {
      const prefix = exportedLogGroupPrefix(type, id);
      if (prefix) groups.push({ prefix, what: `log export of database ${id}` });
    }
  }
  return groups;
}
