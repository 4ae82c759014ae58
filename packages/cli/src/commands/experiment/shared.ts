import { readFileSync } from 'node:fs';
import { resolve as resolvePath } from 'node:path';
import { SSMClient } from '@aws-sdk/client-ssm';
import {
  ConfigBusUnavailableError,
  createConfigBus,
  isUnavailable,
  type ConfigBus,
  type ExperimentConfiguration,
} from '@branch-env/config-bus';
import {
  UserError,
  resolveEnvironment,
  type Config,
  type ResolvedEnvironment,
} from '@branch-env/core';
import type { ParsedArgs } from '../../private/command.js';
import { environmentFrom } from '../../private/context.js';
import { awsFailure } from '../../private/aws-errors.js';
import type { Io } from '../../private/io.js';

/** The environment of the command's branch and a config bus over its prefix. */
export interface ExperimentContext {
  readonly env: ResolvedEnvironment;
  readonly config: Config;
  readonly bus: ConfigBus;
}

const clients = new Map<string, SSMClient>();

/**
 * One SSM client per region (credentials from the standard chain; endpoint from
 * AWS_ENDPOINT_URL_SSM). The config bus's retry policy is the only one (SDK maxAttempts 1).
 */
export function ssmClient(region: string): SSMClient {
  let c = clients.get(region);
  if (!c) clients.set(region, (c = new SSMClient({ region, maxAttempts: 1 })));
  return c;
}

function busFor(
  io: Io,
  app: string,
  environment: string,
  region: string,
  baseline?: string,
): ConfigBus {
  return createConfigBus({
    app,
    environment,
    baseline,
    region,
    client: ssmClient(region),
    cacheTtlMs: 0,
    // The CLI reports failures itself: no cache, so no stale values; 3 attempts.
    retry: { attempts: 3 },
    logger: { info: () => {}, warn: (m) => io.err(`warning: ${m}\n`) },
  });
}

export function experimentContext(args: ParsedArgs, io: Io): ExperimentContext {
  const { env, config } = environmentFrom(args, io);
  return { env, config, bus: busFor(io, env.app, env.name, env.region, config.baseline) };
}

/** The bus of an experiment's baseline environment (its own region's client). */
export function baselineBus(io: Io, ctx: ExperimentContext, c: ExperimentConfiguration): ConfigBus {
  return busFor(io, ctx.env.app, c.baseline.environment, c.baseline.region);
}

/** `--baseline <branch>` resolved, or the config's `baseline` environment in the same account. */
export function baselineOf(
  args: ParsedArgs,
  ctx: Pick<ExperimentContext, 'env' | 'config'>,
): { baseline: ExperimentConfiguration['baseline']; resolved?: ResolvedEnvironment } {
  const branch = str(args, 'baseline');
  if (branch !== undefined) {
    const resolved = resolveEnvironment(branch, ctx.config);
    return {
      baseline: { environment: resolved.name, branch: resolved.branch, region: resolved.region },
      resolved,
    };
  }
  if (ctx.config.baseline !== undefined)
    return {
      baseline: { environment: ctx.config.baseline, branch: null, region: ctx.env.region },
    };
  throw new UserError(
    'the experiment needs a baseline environment to compare with',
    'pass --baseline <branch> (e.g. --baseline main) or set "baseline" in branch-env.config.json',
  );
}

export function str(args: ParsedArgs, name: string): string | undefined {
  const v = args.values[name];
  return typeof v === 'string' ? v : undefined;
}

export function list(args: ParsedArgs, name: string): string[] {
  const v = args.values[name];
  if (v === undefined) return [];
  return (Array.isArray(v) ? v : [v]).filter((x): x is string => typeof x === 'string');
}

/** Read a file named on the command line (relative to the working directory). */
export function readInput(io: Io, file: string, what: string): string {
  try {
    return readFileSync(resolvePath(io.cwd, file), 'utf8');
  } catch (e) {
    throw new UserError(
      `cannot read ${what} ${file}: ${(e as NodeJS.ErrnoException).code ?? (e as Error).message}`,
    );
  }
}

function errorName(e: unknown): string {
  return e instanceof Error ? e.name : '';
}

/**
 * Run the AWS part of a command; turn what AWS says into one clear user error: what
 * {@link awsFailure} maps (expired or missing credentials, a denied permission), a missing data
 * bucket, SSM unreachable. Everything else is passed on.
 */
export async function withAws<T>(what: string, region: string, call: () => Promise<T>): Promise<T> {
  try {
    return await call();
  } catch (error) {
    // Our own user errors, expired or missing credentials, a denied permission: the one mapping.
    const mapped = awsFailure(what, error);
    if (mapped) throw mapped;
    if (errorName(error) === 'NoSuchBucket')
      throw new UserError(
        `${what}: the environment's data bucket does not exist (${(error as Error).message})`,
        "check storage/data-bucket in the environment's config bus, or redeploy the environment",
      );
    if (error instanceof ConfigBusUnavailableError || isUnavailable(error))
      throw new UserError(
        `${what}: SSM Parameter Store in ${region} did not answer (${error instanceof ConfigBusUnavailableError ? (error.cause as Error | undefined)?.message : (error as Error).message})`,
        'check the network (and AWS_ENDPOINT_URL_SSM if set), then run the command again',
      );
    throw error;
  }
}

/** `+12.5%` / `-3%` / `n/a`. */
export function percent(n: number | null): string {
  if (n === null) return 'n/a';
  if (!Number.isFinite(n)) return n > 0 ? '+inf' : '-inf';
  return `${n >= 0 ? '+' : ''}${+(n * 100).toPrecision(4)}%`;
}

export function num(n: number | null): string {
  return n === null ? '-' : String(+n.toPrecision(8));
}

/** Left-aligned columns. */
export function columns(rows: readonly (readonly string[])[]): string {
  const widths: number[] = [];
  for (const r of rows) r.forEach((c, i) => (widths[i] = Math.max(widths[i] ?? 0, c.length)));
  return rows
    .map((r) =>
      r
        .map((c, i) => (i === r.length - 1 ? c : c.padEnd(widths[i] ?? 0)))
        .join('  ')
        .trimEnd(),
    )
    .map((l) => `${l}\n`)
    .join('');
}
