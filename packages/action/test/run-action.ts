import { spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';

export const ACTION_DIR = fileURLToPath(new URL('..', import.meta.url));
export const ROOT = fileURLToPath(new URL('../../..', import.meta.url));

/** Parse a GITHUB_OUTPUT / GITHUB_ENV file (`name<<delimiter` blocks and `name=value` lines). */
export function parseFileCommands(text: string): Record<string, string> {
  const out: Record<string, string> = {};
  const lines = text.split('\n');
  for (let i = 0; i < lines.length; i++) {
    const line = lines[i] as string;
    const heredoc = /^([^=<]+)<<(.+)$/.exec(line);
    if (heredoc) {
      const [, name, delimiter] = heredoc as unknown as [string, string, string];
      const value: string[] = [];
      for (i++; i < lines.length && lines[i] !== delimiter; i++) value.push(lines[i] as string);
      if (i >= lines.length) throw new Error(`unterminated ${name} block`);
      out[name] = value.join('\n');
    } else if (line.includes('=')) {
      out[line.slice(0, line.indexOf('='))] = line.slice(line.indexOf('=') + 1);
    } else if (line !== '') {
      throw new Error(`unparseable line: ${line}`);
    }
  }
  return out;
}

export interface ActionRun {
  readonly status: number | null;
  readonly stdout: string;
  readonly stderr: string;
  readonly outputs: Record<string, string>;
  readonly env: Record<string, string>;
  readonly summary: string;
}

export interface RunOptions {
  /** Action inputs by their action.yml name. */
  readonly inputs?: Record<string, string>;
  readonly eventName: string;
  readonly ref?: string;
  readonly headRef?: string;
  readonly payload?: unknown;
  /** Replace the workspace's branch-env.config.json with this text. */
  readonly configText?: string;
}

/**
 * Run the bundled action the way the runner does: a fresh `node dist/index.js` process, inputs as
 * INPUT_<NAME> (uppercased, spaces to _, hyphens kept), file commands in temp files, the event
 * payload in GITHUB_EVENT_PATH, and a workspace holding the config.
 */
export function runAction(options: RunOptions): ActionRun {
  const dir = mkdtempSync(join(tmpdir(), 'branch-env-action-'));
  const workspace = join(dir, 'workspace');
  const files = {
    GITHUB_OUTPUT: join(dir, 'output'),
    GITHUB_ENV: join(dir, 'env'),
    GITHUB_STEP_SUMMARY: join(dir, 'summary'),
    GITHUB_EVENT_PATH: join(dir, 'event.json'),
  };
  spawnSync('mkdir', ['-p', workspace]);
  writeFileSync(
    join(workspace, 'branch-env.config.json'),
    options.configText ?? readFileSync(join(ROOT, 'branch-env.config.json'), 'utf8'),
  );
  for (const f of [files.GITHUB_OUTPUT, files.GITHUB_ENV, files.GITHUB_STEP_SUMMARY])
    writeFileSync(f, '');
  writeFileSync(files.GITHUB_EVENT_PATH, JSON.stringify(options.payload ?? {}));

  const env: NodeJS.ProcessEnv = {
    PATH: process.env.PATH,
    HOME: dir,
    GITHUB_ACTIONS: 'true',
    GITHUB_WORKSPACE: workspace,
    GITHUB_EVENT_NAME: options.eventName,
    GITHUB_REF: options.ref ?? '',
    GITHUB_HEAD_REF: options.headRef ?? '',
    ...files,
  };
  // The runner sets every declared input, with its default when the workflow gives none.
  const inputs = { branch: '', config: 'branch-env.config.json', ...options.inputs };
  for (const [name, value] of Object.entries(inputs)) {
    env[`INPUT_${name.replace(/ /g, '_').toUpperCase()}`] = value;
  }
  const result = spawnSync(process.execPath, [join(ACTION_DIR, 'dist/index.js')], {
    cwd: workspace,
    env,
    encoding: 'utf8',
    timeout: 20_000,
  });
  return {
    status: result.status,
    stdout: result.stdout,
    stderr: result.stderr,
    outputs: parseFileCommands(readFileSync(files.GITHUB_OUTPUT, 'utf8')),
    env: parseFileCommands(readFileSync(files.GITHUB_ENV, 'utf8')),
    summary: readFileSync(files.GITHUB_STEP_SUMMARY, 'utf8'),
  };
}
