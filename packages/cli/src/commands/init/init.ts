import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { basename, dirname, join } from 'node:path';
import { CONFIG_FILE_NAME, UserError } from '@branch-env/core';
import type { ParsedArgs } from '../../private/command.js';
import { EXIT, printJson, type Io } from '../../private/io.js';
import { findDockerfiles } from './detect.js';
import { scaffoldConfig, type ScaffoldedService } from './scaffold.js';
import { callerWorkflow, WORKFLOW_FILE } from './workflow.js';

/** What `init` did with one file. */
type FileAction = 'created' | 'overwritten' | 'unchanged' | 'skipped';

interface WrittenFile {
  readonly path: string;
  readonly action: FileAction;
}

/** Write `content` unless the file holds something else and `force` is off (idempotent). */
function writeOnce(root: string, path: string, content: string, force: boolean): WrittenFile {
  const file = join(root, path);
  if (existsSync(file)) {
    if (readFileSync(file, 'utf8') === content) return { path, action: 'unchanged' };
    if (!force) return { path, action: 'skipped' };
    writeFileSync(file, content);
    return { path, action: 'overwritten' };
  }
  mkdirSync(dirname(file), { recursive: true });
  writeFileSync(file, content);
  return { path, action: 'created' };
}

function describeService(s: ScaffoldedService): string {
  const at = s.context === '.' ? s.dockerfile : `${s.context}/${s.dockerfile}`;
  if (s.expose === 'none') return `${s.name}: ${at}, a worker (its Dockerfile EXPOSEs no port)`;
  return `${s.name}: ${at}, port ${s.port} (${s.portFrom}), health check ${s.healthPath} (${s.healthFrom}), route ${s.expose.routes.join(' ')}`;
}

/**
 * `branch-env init`: scaffold the config (a service per Dockerfile, with its EXPOSEd port) and
 * the caller workflow into the repository in the working folder. Never overwrites a file that
 * differs without --force; running it again changes nothing.
 */
export function run(args: ParsedArgs, io: Io): number {
  const root = io.cwd;
  const force = args.values.force === true;
  const str = (key: string) => {
    const v = args.values[key];
    return typeof v === 'string' ? v : undefined;
  };
  const dockerfiles = findDockerfiles(root);
  if (dockerfiles.length === 0) {
    throw new UserError(
      `no Dockerfile in ${root} (searched 4 folders deep, skipping dependencies and build output)`,
      'run init at the root of a repository with a Dockerfile per service, or write "services" with a prebuilt "image" in branch-env.config.json yourself (docs/services.md)',
    );
  }
  const accountId = str('account-id');
  if (accountId !== undefined && !/^\d{12}$/.test(accountId)) {
    throw new UserError(
      `--account-id '${accountId}' is not an AWS account id`,
      'pass the 12 digits `aws sts get-caller-identity --query Account --output text` prints',
    );
  }
  const scaffold = scaffoldConfig({
    folder: basename(root),
    app: str('app'),
    accountId,
    region:
      [str('region'), io.env.AWS_REGION, io.env.AWS_DEFAULT_REGION].find((r) => r) ?? 'us-east-1',
    defaultBranch: str('default-branch') ?? 'main',
    dockerfiles,
  });
  const files = [
    writeOnce(root, CONFIG_FILE_NAME, `${JSON.stringify(scaffold.config, null, 2)}\n`, force),
    writeOnce(root, WORKFLOW_FILE, callerWorkflow(CONFIG_FILE_NAME), force),
  ];
  const next = [
    ...scaffold.placeholders,
    'npx branch-env config check && npx branch-env plan feature/try-it',
    'npx branch-env bootstrap --repository <owner/repo> (once per account, with its credentials: the deploy role CI assumes)',
    `commit ${CONFIG_FILE_NAME} and ${WORKFLOW_FILE}, push a branch: its environment deploys and the pull request shows its URL`,
  ];
  if (args.values.json) {
    printJson(io, { root, files, services: scaffold.services, next });
  } else {
    const width = Math.max(...files.map((f) => f.action.length));
    io.out(
      `branch-env init in ${root}\n` +
        files
          .map(
            (f) =>
              `  ${f.action.padEnd(width)}  ${f.path}${f.action === 'skipped' ? ' (it exists and differs; --force overwrites it)' : ''}\n`,
          )
          .join('') +
        `services:\n${scaffold.services.map((s) => `  ${describeService(s)}\n`).join('')}` +
        `next:\n${next.map((n, i) => `  ${i + 1}. ${n}\n`).join('')}`,
    );
  }
  return EXIT.ok;
}
