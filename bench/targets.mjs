#!/usr/bin/env node
// Issue 11's targets, read from `branch-env plan --json` (the models, not a measurement):
// a shared preview (feature/new-login) ready in <= 3 min of CloudFormation and <= 5 min from push to
// URL, idle at <= $0.015/h on its own and <= $0.15/h for the account platform, >= 90 previews per
// development account; a full environment on a shared database <= 8 min from push to URL. A preview
// that sleeps (docs/platform.md, "Sleep and wake") counts the previews that fit at every default
// quota; how many are awake at once (Fargate vCPU), its wake time and its idle cost asleep are
// printed beside them, without a target.
// Not a test. Needs a build (`npx tsc -b packages/cli apps/infra`). BRANCH / FULL_BRANCH override
// the branches; when no profile of the config runs on a shared database, the full figure comes from
// a copy of the config whose `full` profile is shared with `database.shared: true` on a platform
// DocumentDB cluster (said so in the output).
import { spawnSync } from 'node:child_process';
import { readFileSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';

const root = fileURLToPath(new URL('..', import.meta.url));
const bin = `${root}packages/cli/bin/branch-env.js`;
const configFile = `${root}branch-env.config.json`;
const env = { ...process.env, CDK_DISABLE_CLI_TELEMETRY: 'true' };

function plan(branch, config = configFile) {
  const r = spawnSync(process.execPath, [bin, 'plan', branch, '--json', '--config', config], {
    cwd: root,
    env,
    encoding: 'utf8',
    maxBuffer: 64 * 1024 * 1024,
  });
  if (r.status !== 0) throw new Error(`plan ${branch} failed:\n${r.stderr}`);
  return JSON.parse(r.stdout);
}

const rows = [];
/**
 * `at most`: value / target, met when <= 1; `at least`: target / value, met when <= 1; `info`: a
 * figure printed beside the targets, with none of its own.
 */
function row(label, value, unit, target, kind, note = '') {
  const ratio =
    kind === 'info'
      ? NaN
      : kind === 'at most'
        ? value / target
        : value === 0
          ? Infinity
          : target / value;
  rows.push({ label, value, unit, target, kind, ratio, note });
}
const fmt = (n, unit) =>
  Number.isNaN(n) ? '-' : unit === '$/h' ? `$${n.toFixed(4)}/h` : `${n} ${unit}`;

const branch = process.env.BRANCH ?? 'feature/new-login';
const preview = plan(branch);
const p = preview.environment;
console.log(
  `${branch}: ${p.name}, profile ${p.profile} (${preview.capacity.isolation}), ${p.account.key} ${p.region}`,
);
row('CloudFormation ready', preview.timeToReady.totalMinutes, 'min', 3, 'at most');
row(
  'push → URL',
  preview.pushToUrl.totalMinutes,
  'min',
  5,
  'at most',
  `${preview.pushToUrl.rangeMinutes.low}–${preview.pushToUrl.rangeMinutes.high}; critical: ${preview.pushToUrl.critical}`,
);
if (preview.wake !== null)
  row(
    `wake after ${preview.capacity.sleepAfterIdleMinutes} idle min`,
    preview.wake.totalMinutes,
    'min',
    NaN,
    'info',
    `${preview.wake.rangeMinutes.low}–${preview.wake.rangeMinutes.high}; first request → service answers`,
  );
else console.log(`  (${p.profile} never sleeps: no wake time)`);
row('environment idle cost', preview.cost.perHour, '$/h', 0.015, 'at most');
if (preview.cost.asleep !== null)
  row('environment idle cost asleep (no Fargate)', preview.cost.asleep.perHour, '$/h', NaN, 'info');
if (preview.platformCost === null)
  console.log('  (no account platform in this account: no platform cost)');
else row('platform idle cost (per account)', preview.platformCost.perHour, '$/h', 0.15, 'at most');
const name = (key) => preview.capacity.rows.find((r) => r.quota === key)?.name ?? 'none';
const awake = preview.capacity.awakeAtOnce;
// For a preview that sleeps `environments` is how many fit (Fargate bounds only the awake ones);
// for one that never sleeps it counts Fargate too.
row(
  awake === null
    ? 'capacity, every quota at its default'
    : 'capacity that fits (sleeping), default quotas',
  preview.capacity.environments ?? Infinity,
  'environments',
  90,
  'at least',
  `binding: ${name(preview.capacity.binding)}${awake === null ? '; never sleeps' : ''}`,
);
if (awake !== null)
  row(
    '  of which awake at once, default quotas',
    awake.environments ?? Infinity,
    'environments',
    NaN,
    'info',
    `binding: ${name(awake.binding)}; the others sleep and wake on request`,
  );
row(
  `capacity, quotas AWS does not raise by itself`,
  preview.capacity.structural.environments ?? Infinity,
  'environments',
  90,
  'at least',
  `binding: ${name(preview.capacity.structural.binding)}`,
);

// Full on a shared database.
const config = JSON.parse(readFileSync(configFile, 'utf8'));
const sharedDbProfile = Object.entries(config.profiles).find(
  ([, profile]) => profile.database?.shared === true,
)?.[0];
let fullBranch = process.env.FULL_BRANCH;
let fullConfig = configFile;
let variant = '';
let tmp;
if (fullBranch === undefined) {
  if (sharedDbProfile !== undefined) {
    const rule = config.rules.find(
      (r) => r.profile === sharedDbProfile && !/[*?[/]/.test(r.branch),
    );
    fullBranch = rule?.branch;
  }
  if (fullBranch === undefined) {
    // No profile on a shared database: a copy of the config where `full` is one.
    const copy = JSON.parse(JSON.stringify(config));
    copy.profiles.full = {
      ...copy.profiles.full,
      isolation: 'shared',
      cloudfront: false,
      database: { ...copy.profiles.full.database, shared: true },
    };
    const dev = copy.accounts.development;
    dev.platform = {
      ...dev.platform,
      databases: { documentdb: { instanceClass: 'db.t3.medium', instances: 1 } },
    };
    copy.$schema = undefined;
    // Next to the real config: its paths (Dockerfiles, site) are relative to the config's folder.
    tmp = join(root, `.branch-env-targets-${process.pid}.config.json`);
    fullConfig = tmp;
    writeFileSync(fullConfig, JSON.stringify(copy, null, 2));
    fullBranch = 'sandbox';
    variant =
      ' (config copy: profiles.full isolation "shared", cloudfront false, database.shared true; a DocumentDB db.t3.medium on the development platform)';
  }
}
let full;
try {
  full = plan(fullBranch, fullConfig);
} catch (error) {
  const reason =
    String(error.message)
      .split('\n')
      .find((l) => l.trim().startsWith('- ')) ?? '';
  console.log(
    `${fullBranch}${variant}: not plannable yet${reason ? `: ${reason.trim().slice(2)}` : ''}`,
  );
  rows.push({
    label: 'full on a shared database: push → URL',
    value: NaN,
    unit: 'min',
    target: 8,
    kind: 'at most',
    ratio: NaN,
    note: 'no figure: the config cannot describe it yet',
  });
}
try {
  if (full === undefined) throw undefined;
  console.log(
    `${fullBranch}: ${full.environment.name}, profile ${full.environment.profile} (${full.capacity.isolation})${variant}`,
  );
  row('full: CloudFormation ready', full.timeToReady.totalMinutes, 'min', 8, 'at most');
  row('full on a shared database: push → URL', full.pushToUrl.totalMinutes, 'min', 8, 'at most');
  if (full.platformCost !== null)
    row(
      'platform idle cost with the shared database',
      full.platformCost.perHour,
      '$/h',
      0.15,
      'at most',
    );
} catch (error) {
  if (error !== undefined) throw error;
} finally {
  if (tmp) rmSync(tmp, { force: true });
}

console.log('\nmodelled figure                                   value          target     ratio');
for (const r of rows) {
  const target =
    r.kind === 'info'
      ? '(no target)'
      : `${r.kind === 'at most' ? '<=' : '>='} ${fmt(r.target, r.unit)}`;
  console.log(
    `${r.label.padEnd(48)} ${fmt(r.value, r.unit).padStart(14)}  ${target.padStart(16)}  ${Number.isNaN(r.ratio) ? '    -' : `${r.ratio.toFixed(2).padStart(5)}x`} ${r.kind === 'info' ? 'info' : Number.isNaN(r.ratio) ? 'n/a' : r.ratio <= 1 ? 'met' : 'NOT met'}${r.note ? `  (${r.note})` : ''}`,
  );
}
console.log(
  '\nratio: value ÷ target for "at most", target ÷ value for "at least"; <= 1.00x meets the target.',
);
console.log(
  'Fargate vCPU quotas count at the new-account default (6 vCPU each, AWS raises them with use);',
);
console.log(
  'for a preview that sleeps they bound how many are awake at once, not how many fit (docs/platform.md);',
);
console.log(
  'push → URL is the deploy job as it runs: one job, cached dependencies, the registry-cached image',
);
console.log(
  'push beside the diff, then the deploy, whose change sets wait for the images (docs/reference/push-to-url.md).',
);
