import { readdirSync, readFileSync } from 'node:fs';
import { basename, join, posix, relative, sep } from 'node:path';

/** What `init` read from one Dockerfile of the repository. */
export interface DetectedDockerfile {
  /** Build context: the Dockerfile's folder, relative to the repository root ('.' for the root). */
  readonly context: string;
  /** The Dockerfile, relative to `context`. */
  readonly dockerfile: string;
  /** The first port the last stage `EXPOSE`s (variables resolved from its ARG/ENV defaults). */
  readonly port: number | undefined;
  /** The path of a `HEALTHCHECK` that requests http://…/<path>, if the Dockerfile has one. */
  readonly healthPath: string | undefined;
}

/** Folders never searched: dependencies, build output, version control, cloud assemblies. */
const SKIPPED = new Set([
  '.git',
  'node_modules',
  'vendor',
  'dist',
  'build',
  'target',
  'cdk.out',
  '.venv',
  'venv',
  '__pycache__',
  '.terraform',
]);

/** How deep below the repository root `init` looks for Dockerfiles. */
const MAX_DEPTH = 4;

/** Every file named `Dockerfile` under `root` (at most 4 folders deep), sorted, root first. */
export function findDockerfiles(root: string): DetectedDockerfile[] {
  const found: string[] = [];
  const walk = (dir: string, depth: number) => {
    let entries;
    try {
      entries = readdirSync(dir, { withFileTypes: true });
    } catch {
      return;
    }
    for (const e of entries) {
      if (e.isDirectory() && depth < MAX_DEPTH && !SKIPPED.has(e.name) && !e.name.startsWith('.'))
        walk(join(dir, e.name), depth + 1);
      else if (e.isFile() && e.name === 'Dockerfile') found.push(join(dir, e.name));
    }
  };
  walk(root, 0);
  return found
    .map((file) => {
      const folder = relative(root, join(file, '..')).split(sep).join(posix.sep) || '.';
      return { folder, file };
    })
    .sort((a, b) => depthOf(a.folder) - depthOf(b.folder) || a.folder.localeCompare(b.folder))
    .map(({ folder, file }) => ({
      context: folder,
      dockerfile: basename(file),
      ...readDockerfile(readFileSync(file, 'utf8')),
    }));
}

function depthOf(folder: string): number {
  return folder === '.' ? 0 : folder.split('/').length;
}

/** The instructions of a Dockerfile: continuation lines joined, comments dropped. */
function instructions(text: string): { readonly keyword: string; readonly args: string }[] {
  const joined = text.replace(/\\\r?\n/g, ' ');
  return joined
    .split(/\r?\n/)
    .map((l) => l.trim())
    .filter((l) => l.length > 0 && !l.startsWith('#'))
    .map((l) => {
      const space = l.search(/\s/);
      return space === -1
        ? { keyword: l.toUpperCase(), args: '' }
        : { keyword: l.slice(0, space).toUpperCase(), args: l.slice(space).trim() };
    });
}

/** `KEY=value` pairs of an ARG or ENV instruction (and the legacy `ENV KEY value`). */
function assignments(keyword: string, args: string): [string, string][] {
  if (keyword === 'ENV' && !args.includes('=')) {
    const [key, ...rest] = args.split(/\s+/);
    return key ? [[key, rest.join(' ')]] : [];
  }
  return args
    .split(/\s+/)
    .filter((a) => a.includes('='))
    .map((a) => {
      const at = a.indexOf('=');
      return [a.slice(0, at), a.slice(at + 1).replace(/^["']|["']$/g, '')];
    });
}

/** `$VAR`, `${VAR}` and `${VAR:-default}` replaced from `vars`; undefined if one is unknown. */
function expand(word: string, vars: ReadonlyMap<string, string>): string | undefined {
  let unknown = false;
  const out = word.replace(
    /\$(?:\{([A-Za-z_][A-Za-z0-9_]*)(?::?-([^}]*))?\}|([A-Za-z_][A-Za-z0-9_]*))/g,
    (_m, braced: string | undefined, fallback: string | undefined, bare: string | undefined) => {
      const value = vars.get(braced ?? bare ?? '') ?? fallback;
      if (value === undefined || value === '') unknown = true;
      return value ?? '';
    },
  );
  return unknown ? undefined : out;
}

/** The port and health path the last stage of a Dockerfile declares. */
export function readDockerfile(text: string): Pick<DetectedDockerfile, 'port' | 'healthPath'> {
  let vars = new Map<string, string>();
  let port: number | undefined;
  let healthPath: string | undefined;
  for (const { keyword, args } of instructions(text)) {
    if (keyword === 'FROM') {
      // A new stage: EXPOSE, ENV and HEALTHCHECK of earlier stages do not reach the image.
      vars = new Map();
      port = undefined;
      healthPath = undefined;
    } else if (keyword === 'ARG' || keyword === 'ENV') {
      for (const [k, v] of assignments(keyword, args)) {
        const value = expand(v, vars);
        if (value !== undefined && value !== '') vars.set(k, value);
      }
    } else if (keyword === 'EXPOSE' && port === undefined) {
      for (const word of args.split(/\s+/)) {
        const value = expand(word, vars);
        const match = value === undefined ? null : /^(\d{1,5})(\/tcp)?$/i.exec(value);
        const n = match ? Number(match[1]) : NaN;
        if (n >= 1 && n <= 65_535) {
          port = n;
          break;
        }
      }
    } else if (keyword === 'HEALTHCHECK') {
      const url = /https?:\/\/[^/\s"']+(\/[^\s"'|;&]*)/.exec(args);
      healthPath = url?.[1];
    }
  }
  return { port, healthPath };
}
