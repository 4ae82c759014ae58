import { UserError } from '@branch-env/core';

/** Where a command writes; tests and the process entry point pass their own. */
export interface Io {
  readonly out: (text: string) => void;
  readonly err: (text: string) => void;
  readonly cwd: string;
  readonly env: NodeJS.ProcessEnv;
}

export const processIo: Io = {
  out: (t) => process.stdout.write(t),
  err: (t) => process.stderr.write(t),
  cwd: process.cwd(),
  env: process.env,
};

/** Exit codes (DESIGN.md §3). */
export const EXIT = { ok: 0, user: 1, bug: 2 } as const;

/** Print an error the way its kind asks for and return the exit code. */
export function reportError(error: unknown, io: Io, json: boolean): number {
  if (error instanceof UserError) {
    if (json) {
      io.out(
        `${JSON.stringify({ error: { kind: error.name, message: error.message, fix: error.fix ?? null } }, null, 2)}\n`,
      );
    }
    io.err(`error: ${error.message}\n${error.fix ? `  fix: ${error.fix}\n` : ''}`);
    return EXIT.user;
  }
  const stack = error instanceof Error ? (error.stack ?? error.message) : String(error);
  io.err(`branch-env hit a bug; please report it with this output:\n${stack}\n`);
  return EXIT.bug;
}

export function printJson(io: Io, value: unknown): void {
  io.out(`${JSON.stringify(value, null, 2)}\n`);
}

/** Align `key: value` rows for human output. */
export function table(rows: ReadonlyArray<readonly [string, string]>): string {
  const width = Math.max(...rows.map(([k]) => k.length));
  return rows.map(([k, v]) => `${`${k}:`.padEnd(width + 2)}${v}\n`).join('');
}
