import { readFileSync } from 'node:fs';
import { resolve } from 'node:path';
import { findNameCollisions, UserError, type NameCollision } from '@branch-env/core';
import type { ParsedArgs } from '../../private/command.js';
import { environmentFrom } from '../../private/context.js';
import { EXIT, printJson, type Io } from '../../private/io.js';

/** Branch names from a file or stdin (`-`): one per line; `git ls-remote --heads` lines work too. */
export function readBranchList(source: string, io: Io): string[] {
  let text: string;
  try {
    text = readFileSync(source === '-' ? 0 : resolve(io.cwd, source), 'utf8');
  } catch (e) {
    throw new UserError(
      `cannot read the branch list ${source}: ${(e as Error).message}`,
      'pass a file with one branch per line, or - for stdin',
    );
  }
  return text
    .split('\n')
    .map((line) => line.trim().split(/\s+/).pop() ?? '')
    .map((b) => (b.startsWith('refs/heads/') ? b.slice('refs/heads/'.length) : b))
    .filter((b) => b.length > 0);
}

export function run(args: ParsedArgs, io: Io): number {
  const { env, config } = environmentFrom(args, io);
  const against =
    typeof args.values.against === 'string' ? readBranchList(args.values.against, io) : undefined;
  let collision: NameCollision | undefined;
  if (against) {
    collision = findNameCollisions([env.branch, ...against], config).find((c) =>
      c.branches.includes(env.branch),
    );
  }
  if (args.values.json) {
    printJson(io, {
      environment: env.name,
      branch: env.branch,
      form: env.naming.form,
      collision: collision ?? null,
    });
  } else {
    io.out(`${env.name}\n`);
  }
  if (collision) {
    const others = collision.branches.filter((b) => b !== env.branch);
    io.err(
      `error: environment '${env.name}' would be shared with ${others.map((b) => `'${b}'`).join(', ')}\n` +
        `  fix: rename one of the branches (e.g. git branch -m ${env.branch} ${env.branch}-2), or give one a rule with its own "environment"\n`,
    );
    return EXIT.user;
  }
  return EXIT.ok;
}
