import type { IIoHost, IoMessage, IoRequest, Toolkit } from '@aws-cdk/toolkit-lib';
import { UserError } from '@branch-env/core';
import { awsFailure } from '../aws-errors.js';
import type { Io } from '../io.js';
import { quietSdkWarnings } from './clients.js';

/** Produces the environment's cloud assembly (synthesized in-process) into `outdir`. */
export type AssemblyProducer = (outdir: string | undefined) => Promise<{ directory: string }>;

/** The part of `@aws-cdk/cloudformation-diff`'s TemplateDiff this adapter reads. */
interface TemplateDiffLike {
  readonly isEmpty: boolean;
  readonly permissionsBroadened: boolean;
  readonly resources: {
    forEachDifference(
      cb: (
        logicalId: string,
        change: {
          isAddition: boolean;
          isRemoval: boolean;
          resourceType?: string | undefined;
          changeImpact?: string | undefined;
        },
      ) => void,
    ): void;
  };
}

interface ResourceChange {
  readonly logicalId: string;
  readonly type: string;
  readonly change: 'add' | 'update' | 'replace' | 'may-replace' | 'remove';
}

export interface StackDiff {
  readonly stack: string;
  readonly changes: readonly ResourceChange[];
  readonly permissionsBroadened: boolean;
}

/**
 * An IoHost that streams the toolkit's progress (stack activity, asset publishing) to stderr, one
 * line per message, and answers its questions for a non-interactive run: we deploy because the
 * user or CI asked to, so deploy confirmations are yes.
 */
export class StderrIoHost implements IIoHost {
  readonly results: string[] = [];

  constructor(
    private readonly io: Io,
    private readonly options: {
      readonly verbose?: boolean;
      readonly captureResults?: boolean;
    } = {},
  ) {}

  async notify(msg: IoMessage<unknown>): Promise<void> {
    if (msg.level === 'result' && this.options.captureResults) {
      this.results.push(msg.message);
      return;
    }
    const shown =
      msg.level === 'error' ||
      msg.level === 'warn' ||
      msg.level === 'result' ||
      msg.level === 'info' ||
      (this.options.verbose === true && msg.level === 'debug');
    if (!shown || !msg.message.trim()) return;
    const prefix = msg.level === 'error' ? 'error: ' : msg.level === 'warn' ? 'warning: ' : '';
    this.io.err(`${prefix}${msg.message.replace(/\s+$/, '')}\n`);
  }

  async requestResponse<T>(msg: IoRequest<unknown, T>): Promise<T> {
    if (msg.code === 'CDK_TOOLKIT_I5060') return true as T; // "deploy these changes?"
    return msg.defaultResponse;
  }
}

/** A toolkit that reports through `host`, telemetry off. */
export async function toolkitFor(host: IIoHost) {
  process.env.CDK_DISABLE_CLI_TELEMETRY ??= 'true';
  quietSdkWarnings();
  const lib = await import('@aws-cdk/toolkit-lib');
  const toolkit = new lib.Toolkit({ ioHost: host, emojis: false, color: false });
  return { lib, toolkit };
}

/** The toolkit's assembly source for an in-process producer (no lookups, explicit environments). */
export async function sourceFor(toolkit: Toolkit, produce: AssemblyProducer) {
  return toolkit.fromAssemblyBuilder(async ({ outdir }) => produce(outdir), {
    disposeOutdir: true,
    lookups: false,
    resolveDefaultEnvironment: false,
  });
}

export interface DeployedStack {
  readonly name: string;
  readonly outputs: Readonly<Record<string, string>>;
}

/** `toolkit.deploy` of every stack of the assembly (certificate stack first, by dependency). */
export async function deployAssembly(
  produce: AssemblyProducer,
  options: {
    readonly io: Io;
    readonly tags: Readonly<Record<string, string>>;
    /**
     * Let the change set adopt resources with the template's custom names that exist outside any
     * stack, instead of failing on them (CloudFormation's `ImportExistingResources`): what a
     * deleted stack retained, e.g. the platform's named image repositories. @default false
     */
    readonly importExistingResources?: boolean;
  },
): Promise<DeployedStack[]> {
  const host = new StderrIoHost(options.io);
  const { lib, toolkit } = await toolkitFor(host);
  const source = await sourceFor(toolkit, produce);
  const result = await toolkit.deploy(source, {
    stacks: { strategy: lib.StackSelectionStrategy.ALL_STACKS },
    deploymentMethod: {
      method: 'change-set',
      ...(options.importExistingResources === true ? { importExistingResources: true } : {}),
    },
    tags: Object.entries(options.tags).map(([Key, Value]) => ({ Key, Value })),
    concurrency: 2,
  });
  return result.stacks.map((s) => ({ name: s.stackName, outputs: s.outputs }));
}

/** Summarize one stack's TemplateDiff into resource changes. */
export function summarizeDiff(stack: string, diff: TemplateDiffLike): StackDiff {
  const changes: ResourceChange[] = [];
  diff.resources.forEachDifference((logicalId, c) => {
    const change: ResourceChange['change'] = c.isAddition
      ? 'add'
      : c.isRemoval
        ? 'remove'
        : c.changeImpact === 'WILL_REPLACE'
          ? 'replace'
          : c.changeImpact === 'MAY_REPLACE'
            ? 'may-replace'
            : 'update';
    changes.push({ logicalId, type: c.resourceType ?? '?', change });
  });
  return { stack, changes, permissionsBroadened: diff.permissionsBroadened };
}

/**
 * `toolkit.diff` against the deployed templates (template-only: needs cloudformation:GetTemplate,
 * creates no change set). A stack that is not deployed yet diffs as all additions.
 */
export async function diffAssembly(
  produce: AssemblyProducer,
  options: { readonly io: Io },
): Promise<{ stacks: StackDiff[]; text: string }> {
  const host = new StderrIoHost(options.io, { captureResults: true });
  const { lib, toolkit } = await toolkitFor(host);
  const source = await sourceFor(toolkit, produce);
  const diffs = await toolkit.diff(source, {
    stacks: { strategy: lib.StackSelectionStrategy.ALL_STACKS },
    method: lib.DiffMethod.TemplateOnly({ compareAgainstProcessedTemplate: true }),
  });
  const stacks = Object.entries(diffs).map(([name, d]) =>
    summarizeDiff(name, d as unknown as TemplateDiffLike),
  );
  return { stacks, text: host.results.join('\n') };
}

/**
 * A failed CloudFormation deploy (or diff) is the user's to fix, not a branch-env bug: say what
 * failed in one message (the stack events were streamed above) and exit 1. Credential failures
 * inside the toolkit get the usual one-line message.
 */
export function toolkitFailure(what: string, environment: string, error: unknown): Error {
  const direct = awsFailure(what, error); // our own user errors too
  if (direct) return direct;
  // ToolkitError and subclasses carry `source` ('toolkit' | 'user') and `type`; `name` is the code.
  const e = error as { message?: string; cause?: unknown; source?: unknown; type?: unknown };
  const fromCause = awsFailure(what, e.cause); // our own synth refused the input, or AWS did
  if (fromCause) return fromCause;
  const fromToolkit = typeof e.type === 'string' && (e.source === 'toolkit' || e.source === 'user');
  if (!fromToolkit || e.type === 'assembly') return error as Error; // synth bugs stay bugs (exit 2)
  const cause = e.cause instanceof Error ? ` (${e.cause.message})` : '';
  return new UserError(
    `${what} of ${environment} failed: ${e.message ?? String(error)}${cause}`,
    what === 'deploy'
      ? 'read the stack events above, fix the cause and deploy again; `branch-env destroy` removes a half-created environment'
      : 'check the credentials can assume the CDK bootstrap roles of the account (`cdk bootstrap`)',
  );
}
