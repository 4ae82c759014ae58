import type { CommandSpec } from './command.js';

/**
 * What `--help` says about each flag: one home for flag descriptions and defaults, shared by every
 * command that takes the flag. A test fails when a command in the table takes a flag missing here
 * or has no example.
 */
export const FLAG_HELP: Readonly<
  Record<string, { readonly text: string; readonly default?: string }>
> = {
  config: {
    text: 'the config file (or $BRANCH_ENV_CONFIG)',
    default: 'the nearest branch-env.config.json upwards from the current folder',
  },
  json: { text: 'machine-readable output on stdout (errors too, as {"error":…})' },
  help: { text: 'this help' },
  'head-ref': {
    text: 'the pull request head branch, when the ref is refs/pull/<n>/merge (pass "$GITHUB_HEAD_REF")',
  },
  against: {
    text: 'a file of branch names (one a line, `git ls-remote` output accepted; - for stdin) the name must not collide with',
  },
  markdown: { text: 'Markdown for the pull-request comment instead of text' },
  commit: {
    text: 'the commit the environment is built from (tagged on its resources; on an account platform, the tag of its images)',
    default:
      'none; deploy and image push read $GITHUB_SHA (a deploy without either tags the images it builds local-<time>)',
  },
  'refresh-prices': {
    text: 'read current prices from the AWS Price List API (needs credentials)',
    default: 'the dated price table in the code',
  },
  ci: { text: 'CI mode: no interactive prompts, progress as plain lines' },
  'force-protected': {
    text: 'destroy a protected (long-lived) environment; refused without it',
  },
  'dry-run': { text: 'say what would be destroyed, destroy nothing' },
  'branches-from': {
    text: 'where the live branches come from: git (git ls-remote origin), github (the API), or a file of names',
    default: 'git',
  },
  'ttl-only': {
    text: 'destroy only what outlived its TTL; do not compare with the live branches',
  },
  now: { text: 'the time to decide expiry at (ISO-8601)', default: 'the current time' },
  hypothesis: { text: 'what the experiment expects to happen (required)' },
  metric: {
    text: 'a metric and its better direction, name:lower|higher; repeat, the first is primary (at least one)',
  },
  guard: {
    text: 'a metric that must not get worse by more than a tolerance, name:lower|higher:<tolerance>; repeatable',
  },
  threshold: { text: 'the smallest primary-metric change that counts', default: '5%' },
  baseline: {
    text: 'the branch whose environment is compared against',
    default: "the config's baseline",
  },
  id: { text: 'the experiment id', default: 'the latest experiment of the environment' },
  set: { text: 'a config-bus value for the experiment, key=value; repeatable' },
  results: { text: 'a JSON file of measured metric values (required)' },
  reference: { text: "record the environment's reference measurement instead of an experiment's" },
  reason: { text: 'why (required)' },
  force: {
    text: 'experiment decide: go against the recommendation; init: overwrite files that differ from what it would write',
  },
  app: {
    text: 'the application name (SSM root /<app>/, stack name prefix)',
    default: "the repository folder's name",
  },
  'account-id': {
    text: 'the AWS account the development environments deploy to (12 digits)',
    default: 'a placeholder to replace',
  },
  region: {
    text: 'the region the development environments deploy to',
    default: '$AWS_REGION, else $AWS_DEFAULT_REGION, else us-east-1',
  },
  repository: { text: 'the GitHub repository allowed to assume the role, owner/repo (required)' },
  account: {
    text: 'the account key to act in (bootstrap: only this account; secret: the account of --all or --environment)',
    default:
      "every account (bootstrap); secret: a fixed-name environment's account, or the only account",
  },
  environment: { text: 'one environment, by its name (see `branch-env resolve <branch>`)' },
  all: { text: 'every environment of the app in the account (an app-wide value)' },
  'synth-only': { text: 'write the templates and print the OIDC subjects; deploy nothing' },
  out: { text: 'the folder for --synth-only templates', default: 'a temporary folder' },
  'default-branch': {
    text: "the repository's default branch (init: its protected, never-expiring environment)",
    default: 'main',
  },
  'github-environment': {
    text: 'trust only jobs of this GitHub environment in production accounts; repeatable',
  },
  'github-token': {
    text: 'token that reads the GitHub environment (prefer GITHUB_TOKEN or GH_TOKEN: argv is visible to other processes)',
    default: '$GITHUB_TOKEN, else $GH_TOKEN',
  },
  'unsafe-production-branch-trust': {
    text: 'let production roles trust protected branch names instead of the reviewed GitHub environment (not recommended: INITIALIZATION.md)',
  },
  'import-oidc-provider': {
    text: "import the account's existing GitHub OIDC provider instead of creating it (IAM allows one)",
  },
};

/** One example per command, by its words. */
export const EXAMPLES: Readonly<Record<string, string>> = {
  init: 'branch-env init --account-id 111111111111 --region eu-west-1',
  resolve: 'branch-env resolve feature/new-login',
  name: 'git ls-remote --heads origin | branch-env name feature/new-login --against -',
  'config check': 'branch-env config check --config ./branch-env.config.json',
  plan: 'branch-env plan feature/new-login --markdown > plan.md',
  deploy: 'branch-env deploy feature/new-login --ci --commit "$GITHUB_SHA"',
  'image push': 'branch-env image push feature/new-login --commit "$GITHUB_SHA"',
  diff: 'branch-env diff feature/new-login --markdown',
  destroy: 'branch-env destroy feature/new-login',
  list: 'branch-env list --json',
  reap: 'branch-env reap --dry-run --branches-from github',
  'experiment start':
    'branch-env experiment start feature/cache --hypothesis "caching cuts p95" --metric p95_ms:lower --guard error_rate:lower:0.01',
  'experiment record': 'branch-env experiment record feature/cache --results results.json',
  'experiment compare': 'branch-env experiment compare feature/cache',
  'experiment decide': 'branch-env experiment decide feature/cache promote --reason "p95 -30%"',
  'experiment list': 'branch-env experiment list --json',
  doctor: 'branch-env doctor --json',
  timeline: 'branch-env timeline feature/new-login --json',
  'secret set':
    'printf %s "$STRIPE_KEY" | branch-env secret set STRIPE_KEY --environment feature-new-login',
  'secret list': 'branch-env secret list --environment feature-new-login',
  'secret remove': 'branch-env secret remove STRIPE_KEY --all --account development',
  bootstrap: 'branch-env bootstrap --repository acme/shop --synth-only --out cdk.out.bootstrap',
};

function flagLine(name: string, spec: { readonly type: string; readonly short?: string }): string {
  const help = FLAG_HELP[name];
  const flag = `--${name}${spec.type === 'string' ? ' <value>' : ''}${spec.short ? `, -${spec.short}` : ''}`;
  return `  ${flag.padEnd(28)} ${help?.text ?? ''}${help?.default ? ` (default: ${help.default})` : ''}`;
}

/** `branch-env <command> --help`: usage, what it does, every flag with its default, an example. */
export function commandHelp(
  spec: CommandSpec,
  common: Readonly<Record<string, { readonly type: string; readonly short?: string }>>,
): string {
  const name = `branch-env ${spec.words.join(' ')}`;
  const flags = { ...spec.options, ...common } as Record<
    string,
    { readonly type: string; readonly short?: string }
  >;
  return [
    `usage: ${name} ${spec.usage}`,
    '',
    `  ${spec.summary}`,
    '',
    'flags:',
    ...Object.entries(flags).map(([flag, s]) => flagLine(flag, s)),
    '',
    'example:',
    `  ${EXAMPLES[spec.words.join(' ')] ?? name}`,
    '',
    'exit codes: 0 ok, 1 user error (with its fix), 2 bug',
    '',
  ].join('\n');
}

/** The commands under a group word (`config`, `experiment`), or none when it is no group. */
export function groupOf(commands: readonly CommandSpec[], word: string): CommandSpec[] {
  return commands.filter((c) => c.words.length > 1 && c.words[0] === word);
}

/** `branch-env <group> --help`: its subcommands with their usage and an example each. */
export function groupHelp(group: string, members: readonly CommandSpec[]): string {
  return [
    `usage: branch-env ${group} <${members.map((m) => m.words.slice(1).join(' ')).join('|')}> …`,
    '',
    ...members.flatMap((m) => [
      `  branch-env ${m.words.join(' ')} ${m.usage}`,
      `      ${m.summary}`,
      `      e.g. ${EXAMPLES[m.words.join(' ')] ?? ''}`,
    ]),
    '',
    `run \`branch-env ${group} <command> --help\` for its flags and defaults`,
    '',
  ].join('\n');
}
