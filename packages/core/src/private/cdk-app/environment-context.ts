import { UserError } from '../errors.js';

/**
 * The CDK context of one environment's app (`-c key=value`, cdk.json's `context`, or the
 * CDK_CONTEXT_JSON that `branch-env deploy`, `diff` and `plan` hand to the app named by the
 * config's `cdk.app`). The one home of the key names: the CLI writes them with
 * {@link environmentContext}, `environmentAppFromContext` of `@branch-env/cdk` reads them with
 * {@link readEnvironmentContext}.
 */
export const ENVIRONMENT_CONTEXT = {
  /** The git branch whose environment the app builds (required). */
  branch: 'branch',
  /** The commit SHA the services run. */
  commit: 'commit',
  /** Tag of the images in the account platform's repositories (docs/images.md); default: the commit. */
  imageTag: 'branch-env:image-tag',
  /** The config file (absolute, or relative to the app's working directory). */
  config: 'config',
  /** `false` turns off cdk-nag AwsSolutions at synth. */
  nag: 'nag',
  /** `false` turns off aws-cdk-lib's built-in template validation. */
  validate: 'validate',
  /** The stacks do not exist yet (`EnvironmentAppProps.firstCreate`). */
  firstCreate: 'branch-env:first-create',
  /** A shared environment's place on the platform listener, as deploy claimed it. */
  listenerRule: 'branch-env:listener-rule',
  /** Secrets Manager name of each application secret, as deploy resolved them. */
  secretSources: 'branch-env:secret-sources',
  /** Write every cdk-nag finding to {@link NAG_FINDINGS_FILE} instead of failing synth on them. */
  nagFindings: 'branch-env:nag-findings',
} as const;

/** The file in the cloud assembly directory that `branch-env:nag-findings` writes. */
export const NAG_FINDINGS_FILE = 'branch-env-nag-findings.json';

/** A shared environment's listener rule(s): platform load balancer and priorities. */
export interface ListenerRuleContext {
  readonly loadBalancer: number;
  readonly priority: number;
  readonly priorities?: readonly number[] | undefined;
}

/** What an environment's app reads from its context. */
export interface EnvironmentContext {
  readonly branch: string;
  readonly commit?: string | undefined;
  readonly imageTag?: string | undefined;
  readonly config?: string | undefined;
  readonly nag: boolean;
  readonly validate: boolean;
  readonly firstCreate: boolean;
  readonly listenerRule?: ListenerRuleContext | undefined;
  readonly secretSources?: Readonly<Record<string, string>> | undefined;
  readonly nagFindings: boolean;
}

/** The context values of `values` under their keys (JSON values; unset ones left out). */
export function environmentContext(
  values: Partial<EnvironmentContext> & Pick<EnvironmentContext, 'branch'>,
): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  for (const [field, key] of Object.entries(ENVIRONMENT_CONTEXT)) {
    const value = values[field as keyof EnvironmentContext];
    if (value !== undefined) out[key] = value;
  }
  return out;
}

const MAX_PRIORITY = 50_000;

/** `-c key=value` gives strings: JSON objects arrive as their text. */
function parsed(value: unknown): unknown {
  if (typeof value !== 'string') return value;
  try {
    return JSON.parse(value) as unknown;
  } catch {
    return value;
  }
}

function isObject(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

function isPriority(value: unknown): value is number {
  return Number.isInteger(value) && (value as number) >= 1 && (value as number) <= MAX_PRIORITY;
}

/**
 * Read and check an environment's context (`get` is `app.node.tryGetContext` or a record's
 * lookup): every problem at once in one UserError naming the key and the fix.
 */
export function readEnvironmentContext(get: (key: string) => unknown): EnvironmentContext {
  const problems: string[] = [];
  const flag = (key: string, fallback: boolean): boolean => {
    const v = get(key);
    if (v === undefined) return fallback;
    if (v === true || v === 'true') return true;
    if (v === false || v === 'false') return false;
    problems.push(`${key}: ${JSON.stringify(v)} is not true or false`);
    return fallback;
  };
  const text = (key: string): string | undefined => {
    const v = get(key);
    if (v === undefined) return undefined;
    if (typeof v === 'string' && v.length > 0) return v;
    problems.push(`${key}: ${JSON.stringify(v)} is not a non-empty string`);
    return undefined;
  };

  const branchValue = get(ENVIRONMENT_CONTEXT.branch);
  if (typeof branchValue !== 'string' || branchValue.length === 0) {
    throw new UserError(
      'no branch given: the app builds the environment of one branch',
      'run `npx cdk synth -c branch=<branch>` (e.g. -c branch=feature/new-login)',
    );
  }

  let listenerRule: ListenerRuleContext | undefined;
  const rawRule = get(ENVIRONMENT_CONTEXT.listenerRule);
  if (rawRule !== undefined) {
    const rule = parsed(rawRule);
    const priorities = isObject(rule) ? rule.priorities : undefined;
    if (
      !isObject(rule) ||
      !Number.isInteger(rule.loadBalancer) ||
      (rule.loadBalancer as number) < 0 ||
      !isPriority(rule.priority) ||
      (priorities !== undefined &&
        (!Array.isArray(priorities) ||
          priorities.length === 0 ||
          !priorities.every(isPriority) ||
          priorities[0] !== rule.priority))
    ) {
      problems.push(
        `${ENVIRONMENT_CONTEXT.listenerRule}: ${JSON.stringify(rawRule)} is not { "loadBalancer": <index from 0>, "priority": <1-${MAX_PRIORITY}>, "priorities"?: [<priority>, ...] }`,
      );
    } else {
      listenerRule = {
        loadBalancer: rule.loadBalancer as number,
        priority: rule.priority,
        ...(priorities === undefined ? {} : { priorities: priorities as number[] }),
      };
    }
  }

  let secretSources: Record<string, string> | undefined;
  const rawSources = get(ENVIRONMENT_CONTEXT.secretSources);
  if (rawSources !== undefined) {
    const sources = parsed(rawSources);
    if (
      !isObject(sources) ||
      !Object.values(sources).every((v) => typeof v === 'string' && v.length > 0)
    ) {
      problems.push(
        `${ENVIRONMENT_CONTEXT.secretSources}: ${JSON.stringify(rawSources)} is not { "<SECRET>": "<Secrets Manager name>", ... }`,
      );
    } else secretSources = sources as Record<string, string>;
  }

  const context: EnvironmentContext = {
    branch: branchValue,
    commit: text(ENVIRONMENT_CONTEXT.commit),
    imageTag: text(ENVIRONMENT_CONTEXT.imageTag),
    config: text(ENVIRONMENT_CONTEXT.config),
    nag: flag(ENVIRONMENT_CONTEXT.nag, true),
    validate: flag(ENVIRONMENT_CONTEXT.validate, true),
    firstCreate: flag(ENVIRONMENT_CONTEXT.firstCreate, false),
    listenerRule,
    secretSources,
    nagFindings: flag(ENVIRONMENT_CONTEXT.nagFindings, false),
  };
  if (problems.length > 0) {
    throw new UserError(
      `invalid CDK context of the environment app:\n${problems.map((p) => `  - ${p}`).join('\n')}`,
      'pass these keys as `branch-env deploy` writes them (or leave them out: they have defaults), e.g. -c branch-env:first-create=true',
    );
  }
  return context;
}
