import { parseArgs } from 'node:util';
import { UserError } from '@branch-env/core';
import { awsFailure } from './private/aws-errors.js';
import { COMMON_OPTIONS, type CommandSpec } from './private/command.js';
import { EXIT, processIo, reportError, type Io } from './private/io.js';

/**
 * The command table. Each row loads its implementation only when it runs, so `resolve` and
 * `name` start without loading the CDK or the AWS SDK.
 */
export const COMMANDS: readonly CommandSpec[] = [
  {
    words: ['resolve'],
    summary:
      'Show the environment a branch gets: name, account, profile, TTL, stacks, URL, SSM prefix',
    usage: '<branch|ref> [--head-ref <branch>] [--json] [--config <file>]',
    options: { 'head-ref': { type: 'string' } },
    positionals: { min: 1, max: 1 },
    load: () => import('./commands/resolve/resolve.js'),
  },
  {
    words: ['name'],
    summary: "Print a branch's environment name; --against checks it against other branches",
    usage: '<branch|ref> [--head-ref <branch>] [--against <file|->] [--json] [--config <file>]',
    options: { 'head-ref': { type: 'string' }, against: { type: 'string' } },
    positionals: { min: 1, max: 1 },
    load: () => import('./commands/name/name.js'),
  },
  {
    words: ['init'],
    summary:
      'Scaffold branch-env into this repository: the config (a service per Dockerfile, its EXPOSEd port) and the ~20-line caller workflow; never overwrites without --force',
    usage:
      '[--app <name>] [--account-id <id>] [--region <region>] [--default-branch <name>] [--force] [--json]',
    options: {
      app: { type: 'string' },
      'account-id': { type: 'string' },
      region: { type: 'string' },
      'default-branch': { type: 'string' },
      force: { type: 'boolean' },
    },
    positionals: { min: 0, max: 0 },
    load: () => import('./commands/init/init.js'),
  },
  {
    words: ['config', 'check'],
    summary: 'Validate branch-env.config.json and report every problem at once',
    usage: '[--json] [--config <file>]',
    options: {},
    positionals: { min: 0, max: 0 },
    load: () => import('./commands/config-check/config-check.js'),
  },
  {
    words: ['plan'],
    summary:
      'Offline: synthesize the environment and explain it: route, resources by building block, teardown audit, compliance, cost per hour/month, modelled time to ready',
    usage:
      '<branch|ref> [--json | --markdown] [--head-ref <branch>] [--commit <sha>] [--refresh-prices] [--config <file>]',
    options: {
      'head-ref': { type: 'string' },
      markdown: { type: 'boolean' },
      commit: { type: 'string' },
      'refresh-prices': { type: 'boolean' },
    },
    positionals: { min: 1, max: 1 },
    load: () => import('./commands/plan/plan.js'),
  },
  {
    words: ['deploy'],
    summary:
      'Claim the environment for the branch, deploy its stacks with the CDK toolkit (live progress), record metadata, print the URL',
    usage: '<branch|ref> [--ci] [--commit <sha>] [--head-ref <branch>] [--json] [--config <file>]',
    options: {
      'head-ref': { type: 'string' },
      ci: { type: 'boolean' },
      commit: { type: 'string' },
    },
    positionals: { min: 1, max: 1 },
    load: () => import('./commands/deploy/deploy.js'),
  },
  {
    words: ['image', 'push'],
    summary:
      "Build each service and job image for its architecture and push it, tagged with the commit, to the account platform's repositories (skips images already there); deploy runs them",
    usage: '<branch|ref> --commit <sha> [--head-ref <branch>] [--json] [--config <file>]',
    options: { 'head-ref': { type: 'string' }, commit: { type: 'string' } },
    positionals: { min: 1, max: 1 },
    load: () => import('./commands/image/push.js'),
  },
  {
    words: ['diff'],
    summary: 'Infrastructure diff of the branch against what is deployed',
    usage:
      '<branch|ref> [--markdown | --json] [--commit <sha>] [--head-ref <branch>] [--config <file>]',
    options: {
      'head-ref': { type: 'string' },
      markdown: { type: 'boolean' },
      commit: { type: 'string' },
    },
    positionals: { min: 1, max: 1 },
    load: () => import('./commands/diff/diff.js'),
  },
  {
    words: ['destroy'],
    summary:
      'Delete the stacks, then parameters, log groups and images; verify with a tag scan that nothing is left (idempotent)',
    usage: '<branch|environment> [--force-protected] [--json] [--config <file>]',
    options: { 'force-protected': { type: 'boolean' } },
    positionals: { min: 1, max: 1 },
    load: () => import('./commands/destroy/destroy.js'),
  },
  {
    words: ['list'],
    summary:
      'Environments in the configured accounts: branch, profile, status, URL, age, expiry, cost per hour',
    usage: '[--json] [--config <file>]',
    options: {},
    positionals: { min: 0, max: 0 },
    load: () => import('./commands/list/list.js'),
  },
  {
    words: ['reap'],
    summary:
      'Destroy environments whose branch is gone or whose TTL expired (never protected ones); says what and why',
    usage:
      '[--dry-run] [--branches-from git|github|<file>] [--ttl-only] [--now <iso>] [--json] [--config <file>]',
    options: {
      'dry-run': { type: 'boolean' },
      'branches-from': { type: 'string' },
      'ttl-only': { type: 'boolean' },
      now: { type: 'string' },
    },
    positionals: { min: 0, max: 0 },
    load: () => import('./commands/reap/reap.js'),
  },
  {
    words: ['experiment', 'start'],
    summary:
      "Start an experiment in a branch's environment: hypothesis, metrics (first = primary), guards, baseline",
    usage:
      '<branch> --hypothesis <text> --metric <name>:lower|higher [--metric …] [--guard <name>:lower|higher:<tolerance>] [--threshold 5%] [--baseline <branch>] [--id <id>] [--set key=value] [--json]',
    options: {
      'head-ref': { type: 'string' },
      hypothesis: { type: 'string' },
      metric: { type: 'string', multiple: true },
      guard: { type: 'string', multiple: true },
      threshold: { type: 'string' },
      baseline: { type: 'string' },
      id: { type: 'string' },
      set: { type: 'string', multiple: true },
    },
    positionals: { min: 1, max: 1 },
    load: () => import('./commands/experiment/start.js'),
  },
  {
    words: ['experiment', 'record'],
    summary:
      "Record an experiment's results (--reference: the environment's reference measurement); big files go to S3",
    usage: '<branch> --results <file> [--id <id> | --reference] [--json]',
    options: {
      'head-ref': { type: 'string' },
      results: { type: 'string' },
      id: { type: 'string' },
      reference: { type: 'boolean' },
    },
    positionals: { min: 1, max: 1 },
    load: () => import('./commands/experiment/record.js'),
  },
  {
    words: ['experiment', 'compare'],
    summary:
      "Change per metric against the baseline environment's reference results, and the recommendation",
    usage: '<branch> [--id <id>] [--json]',
    options: { 'head-ref': { type: 'string' }, id: { type: 'string' } },
    positionals: { min: 1, max: 1 },
    load: () => import('./commands/experiment/compare.js'),
  },
  {
    words: ['experiment', 'decide'],
    summary: 'Record promote or archive with a reason (--force to go against the recommendation)',
    usage: '<branch> promote|archive --reason <text> [--id <id>] [--force] [--json]',
    options: {
      'head-ref': { type: 'string' },
      reason: { type: 'string' },
      id: { type: 'string' },
      force: { type: 'boolean' },
    },
    positionals: { min: 2, max: 2 },
    load: () => import('./commands/experiment/decide.js'),
  },
  {
    words: ['experiment', 'list'],
    summary: "List experiments of a branch's environment, or of every environment of the app",
    usage: '[<branch>] [--json]',
    options: { 'head-ref': { type: 'string' } },
    positionals: { min: 0, max: 1 },
    load: () => import('./commands/experiment/list.js'),
  },
  {
    words: ['doctor'],
    summary:
      'Read-only, per configured account: what a first deploy needs (quotas, CDK bootstrap, deploy role, GitHub OIDC, service-linked roles, hosted zone delegation), each gap with its fix; exit 1 on a blocking gap',
    usage: '[--json] [--config <file>]',
    options: {},
    positionals: { min: 0, max: 0 },
    load: () => import('./commands/doctor/doctor.js'),
  },
  {
    words: ['timeline'],
    summary:
      "Read-only: the environment's stacks' latest create/update from their CloudFormation events, per resource measured minutes beside the time model's, and the stacks' wall clock",
    usage: '<branch|ref> [--json] [--head-ref <branch>] [--config <file>]',
    options: { 'head-ref': { type: 'string' } },
    positionals: { min: 1, max: 1 },
    load: () => import('./commands/timeline/timeline.js'),
  },
  {
    words: ['secret', 'set'],
    summary:
      'Set an application secret for one environment or every environment of the app in an account; the value is read from stdin or a hidden prompt, never from the command line',
    usage:
      '<NAME> (--environment <environment> | --all) [--account <key>] [--json] [--config <file>]',
    options: {
      environment: { type: 'string' },
      all: { type: 'boolean' },
      account: { type: 'string' },
    },
    positionals: { min: 1, max: 1 },
    load: () => import('./commands/secret/set.js'),
  },
  {
    words: ['secret', 'list'],
    summary:
      'Application secrets: which names have a value app-wide and per environment, and who reads them (never values)',
    usage: '[--environment <environment>] [--account <key>] [--json] [--config <file>]',
    options: { environment: { type: 'string' }, account: { type: 'string' } },
    positionals: { min: 0, max: 0 },
    load: () => import('./commands/secret/list.js'),
  },
  {
    words: ['secret', 'remove'],
    summary: `Schedule an application secret for deletion (restorable for 7 days by setting it again)`,
    usage:
      '<NAME> (--environment <environment> | --all) [--account <key>] [--json] [--config <file>]',
    options: {
      environment: { type: 'string' },
      all: { type: 'boolean' },
      account: { type: 'string' },
    },
    positionals: { min: 1, max: 1 },
    load: () => import('./commands/secret/remove.js'),
  },
  {
    words: ['bootstrap'],
    summary:
      "One-time per account: the GitHub OIDC provider and the deploy role, its trust generated from the routing rules (deploys with the account's credentials)",
    usage:
      '[--repository <owner/repo>] [--account <key>] [--synth-only] [--out <dir>] [--default-branch <name>] [--github-environment <name>]... [--github-token <token>] [--unsafe-production-branch-trust] [--import-oidc-provider] [--json] [--config <file>]',
    options: {
      repository: { type: 'string' },
      account: { type: 'string' },
      'synth-only': { type: 'boolean' },
      out: { type: 'string' },
      'default-branch': { type: 'string' },
      'github-environment': { type: 'string', multiple: true },
      'github-token': { type: 'string' },
      'unsafe-production-branch-trust': { type: 'boolean' },
      'import-oidc-provider': { type: 'boolean' },
    },
    positionals: { min: 0, max: 0 },
    load: () => import('./commands/bootstrap/bootstrap.js'),
  },
];

export const VERSION = '0.1.0';

function usage(): string {
  const rows = COMMANDS.map(
    (c) => `  branch-env ${c.words.join(' ')} ${c.usage}\n      ${c.summary}\n`,
  );
  return `branch-env ${VERSION}: every git branch gets its own AWS environment\n\nUsage:\n${rows.join('')}\nExit codes: 0 ok, 1 user error, 2 bug.\n`;
}

function findCommand(argv: readonly string[]): { spec: CommandSpec; rest: string[] } | undefined {
  const matches = COMMANDS.filter((c) => c.words.every((w, i) => argv[i] === w)).sort(
    (a, b) => b.words.length - a.words.length,
  );
  const spec = matches[0];
  return spec ? { spec, rest: argv.slice(spec.words.length) } : undefined;
}

/** Run the CLI with `argv` (without node and script); returns the exit code. */
export async function main(argv: readonly string[], io: Io = processIo): Promise<number> {
  if (argv.length === 0 || argv[0] === '--help' || argv[0] === '-h' || argv[0] === 'help') {
    io.out(usage());
    return argv.length === 0 ? EXIT.user : EXIT.ok;
  }
  if (argv[0] === '--version' || argv[0] === '-v') {
    io.out(`${VERSION}\n`);
    return EXIT.ok;
  }
  const json = argv.includes('--json');
  let what: string | undefined;
  try {
    const found = findCommand(argv);
    const { groupOf, groupHelp } = await import('./private/help.js');
    const group = found ? [] : groupOf(COMMANDS, argv[0] ?? '');
    if (group.length > 0 && argv.slice(1).every((a) => a === '--help' || a === '-h')) {
      // `branch-env config --help` (exit 0), bare `branch-env config` (usage error, exit 1).
      const help = groupHelp(argv[0]!, group);
      if (argv.length > 1) {
        io.out(help);
        return EXIT.ok;
      }
      io.err(help);
      return EXIT.user;
    }
    if (!found) {
      throw new UserError(
        `unknown command '${argv.join(' ')}'`,
        'run `branch-env --help` for the list of commands',
      );
    }
    const { spec, rest } = found;
    const name = `branch-env ${spec.words.join(' ')}`;
    let parsed;
    try {
      parsed = parseArgs({
        args: rest,
        options: { ...COMMON_OPTIONS, ...spec.options },
        allowPositionals: true,
        strict: true,
      });
    } catch (e) {
      throw new UserError(`${name}: ${(e as Error).message}`, `usage: ${name} ${spec.usage}`);
    }
    if (parsed.values.help) {
      const { commandHelp } = await import('./private/help.js');
      io.out(commandHelp(spec, COMMON_OPTIONS));
      return EXIT.ok;
    }
    const n = parsed.positionals.length;
    if (n < spec.positionals.min || n > spec.positionals.max) {
      throw new UserError(
        `${name} takes ${spec.positionals.min === spec.positionals.max ? spec.positionals.min : `${spec.positionals.min}-${spec.positionals.max}`} argument(s), got ${n}`,
        `usage: ${name} ${spec.usage}`,
      );
    }
    const module = await spec.load();
    what = spec.words.join(' ');
    return await module.run(parsed, io);
  } catch (error) {
    // What AWS refuses (expired credentials, a missing permission) is a user error with its fix,
    // whichever call of whichever command met it: mapped once, here.
    const mapped = what === undefined ? undefined : awsFailure(what, error);
    return reportError(mapped ?? error, io, json);
  }
}
