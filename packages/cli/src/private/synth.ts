import type { CfnTemplate, ComplianceFinding, ResolvedEnvironment } from '@branch-env/core';
import type { UserApp } from './user-app.js';

/** One synthesized stack of an environment. */
export interface SynthesizedStack {
  readonly name: string;
  readonly account: string;
  readonly region: string;
  readonly template: CfnTemplate;
  /** Building block of each logical id: the construct directly under the stack (`Network`, ...). */
  readonly blocks: Readonly<Record<string, string>>;
}

export interface Synthesis {
  readonly stacks: readonly SynthesizedStack[];
  readonly findings: readonly ComplianceFinding[];
  /** Cloud assembly directory (deploy/diff hand it to the toolkit). */
  readonly directory: string;
  readonly ms: number;
}

export interface SynthOptions {
  readonly commit?: string | undefined;
  /** Tag of the images on an account platform (`EnvironmentAppProps.imageTag`). @default commit */
  readonly imageTag?: string | undefined;
  readonly outdir?: string | undefined;
  /**
   * aws-cdk-lib's built-in template validation. Off for `plan` (it costs ~2.5 s and checks
   * nothing the deploy would not: CloudFormation validates again); deploy keeps it on.
   * @default false
   */
  readonly validate?: boolean;
  /** Collect cdk-nag AwsSolutions findings. @default true */
  readonly nag?: boolean;
  /**
   * Copy (and zip) file and image assets into the assembly. Only a deploy publishes them; `plan`
   * reads templates, so it skips staging (`aws:cdk:disable-asset-staging`; hashes are unchanged).
   * @default true
   */
  readonly stageAssets?: boolean;
  /** The stacks do not exist yet: protection off, task count set (`EnvironmentAppProps.firstCreate`). @default false */
  readonly firstCreate?: boolean;
  /**
   * A shared environment's listener rule as claimed on the platform.
   * @default - the environment's preferred priority on load balancer 0 (plan)
   */
  readonly listenerRule?: { readonly loadBalancer: number; readonly priority: number } | undefined;
  /**
   * Folder of the config file: services' build contexts and the site are relative to it.
   * @default the working directory
   */
  readonly configDirectory?: string | undefined;
  /**
   * Secrets Manager name of each application secret (deploy resolves the level of each).
   * @default the environment-level names
   */
  readonly secretSources?: Readonly<Record<string, string>> | undefined;
  /**
   * The user's own CDK app (the config's `cdk.app`): run it instead of synthesizing in-process.
   * @default - branch-env's environment, in-process
   */
  readonly app?: UserApp | undefined;
}

/** Run `build` with extra CDK context for the App it constructs (read from CDK_CONTEXT_JSON). */
function withContext<T>(context: Record<string, unknown>, build: () => T): T {
  const saved = process.env.CDK_CONTEXT_JSON;
  const current = saved ? (JSON.parse(saved) as Record<string, unknown>) : {};
  process.env.CDK_CONTEXT_JSON = JSON.stringify({ ...current, ...context });
  try {
    return build();
  } finally {
    if (saved === undefined) delete process.env.CDK_CONTEXT_JSON;
    else process.env.CDK_CONTEXT_JSON = saved;
  }
}

/**
 * Synthesize one environment in this process: no `cdk` subprocess, no lookups, no credentials.
 * The CDK is imported here, lazily, so commands that do not synthesize never load it.
 */
export async function synthesizeEnvironment(
  environment: ResolvedEnvironment,
  options: SynthOptions = {},
): Promise<Synthesis> {
  if (options.app !== undefined)
    return (await import('./user-app.js')).synthesizeUserApp(environment, options.app, options);
  process.env.CDK_DISABLE_CLI_TELEMETRY ??= 'true';
  const started = performance.now();
  const [{ createEnvironmentApp, nagFindings }, cdk] = await Promise.all([
    import('@branch-env/cdk'),
    import('aws-cdk-lib'),
  ]);
  const build = () =>
    createEnvironmentApp({
      environment,
      commit: options.commit,
      imageTag: options.imageTag,
      outdir: options.outdir,
      validate: options.validate ?? false,
      nag: false,
      firstCreate: options.firstCreate ?? false,
      listenerRule: options.listenerRule,
      configDirectory: options.configDirectory,
      secretSources: options.secretSources,
    });
  const built =
    (options.stageAssets ?? true)
      ? build()
      : withContext({ 'aws:cdk:disable-asset-staging': true }, build);
  const findings: ComplianceFinding[] =
    (options.nag ?? true) ? nagFindings(built.app).map(({ description: _d, ...f }) => f) : [];
  const assembly = built.app.synth();
  const stacks = built.stacks.map((stack): SynthesizedStack => {
    const artifact = assembly.getStackByName(stack.stackName);
    const blocks: Record<string, string> = {};
    for (const c of stack.node.findAll()) {
      if (!cdk.CfnResource.isCfnResource(c)) continue;
      const logicalId = stack.resolve(c.logicalId) as string;
      const scopes = c.node.scopes;
      const under = scopes[scopes.indexOf(stack) + 1];
      blocks[logicalId] = under && under !== c ? blockName(under.node.id) : 'Stack';
    }
    return {
      name: stack.stackName,
      account: stack.account,
      region: stack.region,
      template: artifact.template as CfnTemplate,
      blocks,
    };
  });
  return { stacks, findings, directory: assembly.directory, ms: performance.now() - started };
}

/** Singleton providers CDK adds at the stack root (`Custom::S3AutoDeleteObjects...`, hashed ids). */
export function blockName(id: string): string {
  return id.startsWith('Custom::') || /[0-9a-f]{16,}/i.test(id) ? 'CDK custom resources' : id;
}
