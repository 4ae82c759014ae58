import { spawn } from 'node:child_process';
import { UserError } from '@branch-env/core';
import type { Io } from './io.js';

/**
 * Run `docker <args>` (from PATH, with the command's environment), its output streamed to stderr
 * line by line behind `prefix`, `input` (a registry password) on stdin, never on the command line.
 * Resolves with the exit code; a missing docker is a user error.
 */
export function runDocker(
  args: readonly string[],
  io: Io,
  options: { readonly prefix: string; readonly input?: string; readonly cwd?: string },
): Promise<number> {
  return new Promise((resolve, reject) => {
    const child = spawn('docker', [...args], {
      cwd: options.cwd ?? io.cwd,
      env: io.env,
      stdio: [options.input === undefined ? 'ignore' : 'pipe', 'pipe', 'pipe'],
    });
    const forward = (stream: NodeJS.ReadableStream | null) => {
      let rest = '';
      stream?.setEncoding('utf8');
      stream?.on('data', (chunk: string) => {
        const lines = (rest + chunk).split(/\r?\n|\r/);
        rest = lines.pop() ?? '';
        for (const line of lines) if (line.trim() !== '') io.err(`${options.prefix}${line}\n`);
      });
      stream?.on('end', () => {
        if (rest.trim() !== '') io.err(`${options.prefix}${rest}\n`);
        rest = '';
      });
    };
    forward(child.stdout);
    forward(child.stderr);
    child.on('error', (error: NodeJS.ErrnoException) => {
      reject(
        error.code === 'ENOENT'
          ? new UserError(
              'docker is not installed (or not on PATH): the images are built with docker buildx',
              'install Docker with the buildx plugin (in GitHub Actions: docker/setup-buildx-action; docker/setup-qemu-action for the other architecture)',
            )
          : error,
      );
    });
    child.on('close', (code) => resolve(code ?? 1));
    if (options.input !== undefined) child.stdin?.end(options.input);
  });
}
