import { spawn } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import {
  environmentContext,
  environmentStacks,
  NAG_FINDINGS_FILE,
  shellCommand,
  UserError,
  type CfnTemplate,
  type ComplianceFinding,
  type ResolvedEnvironment,
} from '@branch-env/core';
import { blockName, type Synthesis, type SynthesizedStack, type SynthOptions } from './synth.js';

/** The user's own CDK app (the config's `cdk.app`), run instead of the in-process synthesis. */
export interface UserApp {
  /** The command line that runs the app, as cdk.json's `app` (run in a shell, like the CDK CLI). */
  readonly command: string;
  /** The config file: the app runs in its folder and gets it as context `config`. */
  readonly configFile: string;
  /**
   * Where the app's own output (its stdout and stderr) goes, as it runs.
   * @default - dropped (the tail of its stderr is in the error when it fails)
   */
  readonly log?: ((text: string) => void) | undefined;
}

const TAIL_LINES = 20;

/** The last lines of an app's output. */
function tail(text: string): string {
  const lines = text.trimEnd().split('\n');
  return lines.slice(-TAIL_LINES).join('\n');
}

function readJson(file: string): unknown {
  return existsSync(file) ? (JSON.parse(readFileSync(file, 'utf8')) as unknown) : undefined;
}

/** The `context` of cdk.json (`nested`) or the whole of cdk.context.json, as the CDK CLI reads them. */
function contextOfFile(file: string, nested: boolean): Record<string, unknown> {
  let json: Record<string, unknown> | undefined;
  try {
    json = readJson(file) as Record<string, unknown> | undefined;
  } catch (error) {
    throw new UserError(
      `${file} is not valid JSON: ${(error as Error).message}`,
      'fix the file (the CDK CLI reads it too), or remove it',
    );
  }
  const context = nested ? json?.context : json;
  return typeof context === 'object' && context !== null
    ? (context as Record<string, unknown>)
    : {};
}

/** Run the app's command as the CDK CLI would: a shell in `cwd`, its output streamed. */
function runApp(
  app: UserApp,
  cwd: string,
  env: NodeJS.ProcessEnv,
): Promise<{ code: number | null; signal: NodeJS.Signals | null; stderr: string; stdout: string }> {
  return new Promise((resolvePromise, reject) => {
    const child = spawn(app.command, { cwd, env, shell: true, stdio: ['ignore', 'pipe', 'pipe'] });
    let stdout = '';
    let stderr = '';
    child.stdout.setEncoding('utf8').on('data', (chunk: string) => {
      stdout = (stdout + chunk).slice(-64_000);
      app.log?.(chunk);
    });
    child.stderr.setEncoding('utf8').on('data', (chunk: string) => {
      stderr = (stderr + chunk).slice(-64_000);
      app.log?.(chunk);
    });
    child.on('error', reject);
    child.on('close', (code, signal) => resolvePromise({ code, signal, stderr, stdout }));
  });
}

interface ManifestArtifact {
  readonly type: string;
  readonly environment?: string;
  readonly properties?: {
    readonly templateFile?: string;
    readonly stackName?: string;
    readonly tags?: Readonly<Record<string, string>>;
  };
}

/**
 * What is wrong with the stacks of an assembly for `env`: the same stack names as branch-env's,
 * in the environment's account and region, tagged with the environment (so an app that built
 * another branch, another config or stacks of its own is refused). Empty when it is right.
 */
export function assemblyProblems(
  env: ResolvedEnvironment,
  artifacts: Readonly<Record<string, ManifestArtifact>>,
): string[] {
  const problems: string[] = [];
  const expected = environmentStacks(env);
  const stacks = new Map<string, ManifestArtifact>();
  for (const [id, a] of Object.entries(artifacts)) {
    if (a.type === 'aws:cloudformation:stack') stacks.set(a.properties?.stackName ?? id, a);
    else if (a.type === 'cdk:cloud-assembly')
      problems.push(
        `it holds a nested assembly '${id}' (a Stage): branch-env deploys only the environment's own stacks`,
      );
  }
  for (const e of expected)
    if (!stacks.has(e.name)) problems.push(`it has no stack ${e.name} (the environment's)`);
  for (const [name, a] of stacks) {
    const e = expected.find((x) => x.name === name);
    if (e === undefined) {
      problems.push(
        `stack ${name} is not one of the environment's (${expected.map((x) => x.name).join(', ')}): destroy would leave it behind`,
      );
      continue;
    }
    const where = `aws://${e.account}/${e.region}`;
    if (a.environment !== where)
      problems.push(`stack ${name} is for ${a.environment ?? 'no environment'}, not ${where}`);
    const tags = a.properties?.tags ?? {};
    for (const [key, value] of Object.entries(env.tags))
      if (tags[key] !== value)
        problems.push(
          `stack ${name} has the tag ${key}=${tags[key] ?? '(none)'}, the environment's is ${key}=${value}`,
        );
  }
  return problems;
}

/** Building block of each logical id, from the resources' `aws:cdk:path` metadata. */
function blocksOf(template: CfnTemplate): Record<string, string> {
  const blocks: Record<string, string> = {};
  for (const [logicalId, resource] of Object.entries(template.Resources ?? {})) {
    const path = (resource as { Metadata?: Record<string, unknown> }).Metadata?.['aws:cdk:path'];
    if (typeof path !== 'string') continue;
    // `<stack>/<block>/.../Resource`: the construct directly under the stack.
    const parts = path.split('/');
    blocks[logicalId] = parts.length > 2 && parts[1] ? blockName(parts[1]) : 'Stack';
  }
  return blocks;
}

function where(app: UserApp): string {
  return `your CDK app (cdk.app '${app.command}' of ${app.configFile})`;
}

function synthCommand(env: ResolvedEnvironment, app: UserApp): string {
  return `cd ${shellCommand([dirname(app.configFile)])} && ${shellCommand(['npx', 'cdk', 'synth', '--app', app.command, '-c', `branch=${env.branch}`, '-c', `config=${app.configFile}`])}`;
}

/**
 * Synthesize `env` by running the user's own CDK app (`cdk.app`) as the CDK CLI would (CDK_OUTDIR,
 * CDK_CONTEXT_JSON with everything the in-process synthesis would get: branch, commit, config,
 * firstCreate, the listener rule, the secret sources, validate and nag), then check that it built
 * the environment's stacks and read them like the in-process synthesis does.
 */
export async function synthesizeUserApp(
  env: ResolvedEnvironment,
  app: UserApp,
  options: SynthOptions,
): Promise<Synthesis> {
  const started = performance.now();
  const cwd = dirname(app.configFile);
  const outdir = options.outdir ?? mkdtempSync(join(tmpdir(), 'branch-env-app-'));
  rmSync(join(outdir, 'manifest.json'), { force: true });
  const nag = options.nag ?? true;
  const inherited = process.env.CDK_CONTEXT_JSON
    ? (JSON.parse(process.env.CDK_CONTEXT_JSON) as Record<string, unknown>)
    : {};
  const context = {
    // As the CDK CLI: cdk.json's context, then cdk.context.json, then what the command sets.
    ...contextOfFile(join(cwd, 'cdk.json'), true),
    ...contextOfFile(join(cwd, 'cdk.context.json'), false),
    ...inherited,
    // The resources' construct paths give the plan its building blocks (the CLI's default too).
    'aws:cdk:enable-path-metadata': true,
    ...((options.stageAssets ?? true) ? {} : { 'aws:cdk:disable-asset-staging': true }),
    ...environmentContext({
      branch: env.branch,
      commit: options.commit,
      imageTag: options.imageTag,
      config: app.configFile,
      validate: options.validate ?? false,
      nag: false,
      nagFindings: nag,
      firstCreate: options.firstCreate ?? false,
      listenerRule: options.listenerRule,
      secretSources: options.secretSources,
    }),
  };
  const result = await runApp(app, cwd, {
    ...process.env,
    CDK_OUTDIR: outdir,
    CDK_CONTEXT_JSON: JSON.stringify(context),
    CDK_DEFAULT_ACCOUNT: env.account.id,
    CDK_DEFAULT_REGION: env.region,
    CDK_DISABLE_CLI_TELEMETRY: process.env.CDK_DISABLE_CLI_TELEMETRY ?? 'true',
  }).catch((error: unknown) => {
    throw new UserError(
      `${where(app)} could not be started: ${(error as Error).message}`,
      "set cdk.app to the command that runs your app from the config file's folder, e.g. node infra/app.mjs",
    );
  });
  if (result.code !== 0) {
    const output = tail(result.stderr) || tail(result.stdout) || '(no output)';
    throw new UserError(
      `${where(app)} failed (${result.signal ? `killed by ${result.signal}` : `exit code ${String(result.code)}`}) synthesizing ${env.name}; its last output:\n${output}`,
      `fix what it reports; run it alone with: ${synthCommand(env, app)}`,
    );
  }
  const manifest = readJson(join(outdir, 'manifest.json')) as
    { artifacts?: Record<string, ManifestArtifact> } | undefined;
  if (manifest === undefined) {
    throw new UserError(
      `${where(app)} exited 0 but wrote no cloud assembly to CDK_OUTDIR`,
      'end the app with `.app.synth()` (environmentAppFromContext({ extend }).app.synth()) and give its App no outdir of its own, so it writes to CDK_OUTDIR',
    );
  }
  const artifacts = manifest.artifacts ?? {};
  const problems = assemblyProblems(env, artifacts);
  if (problems.length > 0) {
    throw new UserError(
      `${where(app)} did not build the environment ${env.name} of branch ${env.branch}:\n${problems.map((p) => `  - ${p}`).join('\n')}`,
      `build the environment of the branch and config in the CDK context (environmentAppFromContext({ extend }) reads them; do not fix another branch) and add your constructs to the environment's stack in extend, not in stacks of their own; check with: ${synthCommand(env, app)}`,
    );
  }
  const byName = new Map(
    Object.entries(artifacts)
      .filter(([, a]) => a.type === 'aws:cloudformation:stack')
      .map(([id, a]) => [a.properties?.stackName ?? id, a] as const),
  );
  const stacks = environmentStacks(env).map((e): SynthesizedStack => {
    const artifact = byName.get(e.name)!;
    const templateFile = artifact.properties?.templateFile ?? `${e.name}.template.json`;
    const template = JSON.parse(readFileSync(join(outdir, templateFile), 'utf8')) as CfnTemplate;
    return {
      name: e.name,
      account: e.account,
      region: e.region,
      template,
      blocks: blocksOf(template),
    };
  });
  let findings: ComplianceFinding[] = [];
  if (nag) {
    const recorded = readJson(join(outdir, NAG_FINDINGS_FILE)) as ComplianceFinding[] | undefined;
    if (recorded === undefined)
      app.log?.(
        `note: ${where(app)} recorded no cdk-nag findings (environmentAppFromContext does); the compliance section lists none\n`,
      );
    findings = recorded ?? [];
  }
  return { stacks, findings, directory: outdir, ms: performance.now() - started };
}

/** The config's `cdk.app`, with its output streamed to stderr; undefined when it names none. */
export function userAppOf(
  config: { readonly cdk?: { readonly app: string } | undefined },
  configFile: string,
  io: { readonly err: (text: string) => void },
): UserApp | undefined {
  return config.cdk === undefined
    ? undefined
    : { command: config.cdk.app, configFile, log: (text) => io.err(text) };
}
