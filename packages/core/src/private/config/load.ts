import { existsSync, readFileSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { ConfigError, jsonPath, UserError, type ConfigIssue } from '../errors.js';
import { ConfigSchema, type Config } from './schema.js';
import { closest } from './did-you-mean.js';
import { jsonPositions, positionAt, syntaxErrorPosition } from './json-positions.js';
import { jsonTypeOf, knownKeysAt, valueAt } from './schema-keys.js';
import { validateConfig, type CheckContext } from './validate.js';
import { salvageConfig } from './view.js';

export const CONFIG_FILE_NAME = 'branch-env.config.json';

/**
 * Parse and validate a config object; throws one {@link ConfigError} listing every problem: the
 * schema's, and those of the cross-checks (`validate.ts`), which also run when the schema fails —
 * over the parts that did parse — so that one `config check` shows everything to fix.
 */
export function parseConfig(raw: unknown, file?: string, context: CheckContext = {}): Config {
  const parsed = ConfigSchema.safeParse(raw);
  if (parsed.success) {
    const issues = validateConfig(parsed.data, context);
    if (issues.length > 0) throw new ConfigError(issues, file);
    return parsed.data;
  }
  const schemaIssues: ConfigIssue[] = parsed.error.issues.flatMap((issue) => {
    if (issue.code === 'unrecognized_keys') {
      const keys = knownKeysAt(ConfigSchema, issue.path);
      return issue.keys.map((k) => {
        const near = closest(k, keys);
        return {
          path: jsonPath([...issue.path, k]),
          message: near
            ? `unknown key; did you mean '${near}'?`
            : `unknown key; remove it or check its spelling${keys.length > 0 && keys.length <= 12 ? ` (known: ${keys.join(', ')})` : ''}`,
        };
      });
    }
    if (issue.code === 'invalid_key') {
      const why = issue.issues.map((i) => i.message).join('; ');
      return [{ path: jsonPath(issue.path), message: `invalid name: ${why}` }];
    }
    return [{ path: jsonPath(issue.path), message: schemaMessage(issue, raw) }];
  });
  throw new ConfigError(
    withoutDuplicates(schemaIssues, validateConfig(salvageConfig(raw), context)),
    file,
  );
}

/**
 * A schema issue in words a person reads: a wrong type is named as a type ("expected a number,
 * got a string"), also when the schema lists allowed values (`cpu: "256"`).
 */
interface SchemaIssue {
  readonly code: string;
  readonly expected?: unknown;
  readonly values?: readonly unknown[];
  readonly path?: readonly PropertyKey[];
}

function schemaMessage(
  issue: {
    readonly code: string;
    readonly message: string;
    readonly path: PropertyKey[];
    readonly expected?: unknown;
    readonly values?: readonly unknown[];
    readonly errors?: readonly (readonly SchemaIssue[])[];
  },
  raw: unknown,
): string {
  const value = valueAt(raw, issue.path);
  if (issue.code === 'invalid_type' && typeof issue.expected === 'string') {
    if (value === undefined) return `required: expected ${article(issue.expected)}`;
    return `expected ${article(issue.expected)}, got ${jsonTypeOf(value)}`;
  }
  if ((issue.code === 'invalid_value' || issue.code === 'invalid_union') && value !== undefined) {
    // The JSON types the schema allows here: of the listed values, or of a union's branches. A
    // branch that failed deeper down (an object missing a field) took the type: no type to name.
    const branches = issue.code === 'invalid_union' ? (issue.errors ?? []).flat() : [issue];
    const types = new Set(
      branches.flatMap((b) =>
        (b.path?.length ?? 0) > 0
          ? ['?']
          : b.code === 'invalid_value'
            ? (b.values ?? []).map(jsonTypeOf)
            : b.code === 'invalid_type' && typeof b.expected === 'string'
              ? [article(b.expected)]
              : ['?'],
      ),
    );
    if (!types.has('?') && types.size > 0 && !types.has(jsonTypeOf(value)))
      return `expected ${[...types].join(' or ')}, got ${jsonTypeOf(value)} (${JSON.stringify(value)}): ${issue.message}`;
  }
  return issue.message;
}

function article(type: string): string {
  if (type === 'int') return 'an integer';
  if (type === 'null' || type === 'undefined') return type;
  return /^[aeiou]/.test(type) ? `an ${type}` : `a ${type}`;
}

/** Whether JSON path `outer` is `inner` or contains it (`rules[2]` contains `rules[2].account`). */
function covers(outer: string, inner: string): boolean {
  return (
    outer === '' ||
    inner === outer ||
    inner.startsWith(`${outer}.`) ||
    inner.startsWith(`${outer}[`)
  );
}

/**
 * Schema issues, then the cross-check issues that are not one of them again: none at a path the
 * schema already reports a problem at (or inside), none twice.
 */
function withoutDuplicates(
  schemaIssues: readonly ConfigIssue[],
  checkIssues: readonly ConfigIssue[],
): ConfigIssue[] {
  const out = [...schemaIssues];
  for (const issue of checkIssues) {
    if (schemaIssues.some((s) => covers(s.path, issue.path))) continue;
    if (out.some((o) => o.path === issue.path && o.message === issue.message)) continue;
    out.push(issue);
  }
  return out;
}

/** Parse config JSON text; a syntax error is reported with its position. */
export function parseConfigText(text: string, file?: string, context: CheckContext = {}): Config {
  let raw: unknown;
  try {
    raw = JSON.parse(text);
  } catch (e) {
    const message = (e as Error).message;
    const at = syntaxErrorPosition(text, message);
    const what = message
      .replace(/^(Unexpected token .+?), [\s\S]*is not valid JSON$/, '$1')
      .replace(/,? *(?:in JSON )?at position \d+.*$/, '')
      .replace(/ *\(line \d+ column \d+\)/, '');
    throw new ConfigError(
      [
        {
          path: '',
          message: `not valid JSON: ${what}`,
          ...at,
        },
      ],
      file,
    );
  }
  try {
    return parseConfig(raw, file, context);
  } catch (e) {
    if (!(e instanceof ConfigError)) throw e;
    // Each issue with the line and column of its JSON path in the file.
    const positions = jsonPositions(text);
    throw new ConfigError(
      e.issues.map((issue) => ({ ...issue, ...positionAt(positions, issue.path) })),
      file,
    );
  }
}

/** The file's text; a folder, a missing or unreadable file is a user error naming the fix. */
function readConfigFile(file: string): string {
  try {
    return readFileSync(file, 'utf8');
  } catch (e) {
    const code = (e as NodeJS.ErrnoException).code;
    if (code === 'EISDIR')
      throw new UserError(
        `${file} is a folder, not a config file`,
        `pass --config ${join(file, CONFIG_FILE_NAME)} (the file inside it)`,
      );
    if (code === 'EACCES' || code === 'EPERM')
      throw new UserError(
        `cannot read ${file}: permission denied`,
        `make it readable (chmod u+r ${file}) or pass --config <path> to a readable copy`,
      );
    if (code === 'ENOENT')
      throw new UserError(
        `config file ${file} does not exist`,
        'pass --config <path> to an existing branch-env.config.json',
      );
    throw e;
  }
}

/** The config file: the explicit path, else $BRANCH_ENV_CONFIG, else the nearest one upwards from `cwd`. */
export function findConfigFile(explicit?: string, cwd: string = process.cwd()): string {
  const given = explicit ?? process.env.BRANCH_ENV_CONFIG;
  if (given) {
    const path = resolve(cwd, given);
    if (!existsSync(path)) {
      throw new UserError(
        `config file ${path} does not exist`,
        'pass --config <path> to an existing branch-env.config.json',
      );
    }
    return path;
  }
  for (let dir = resolve(cwd); ; dir = dirname(dir)) {
    const candidate = join(dir, CONFIG_FILE_NAME);
    if (existsSync(candidate)) return candidate;
    if (dirname(dir) === dir) break;
  }
  throw new UserError(
    `no ${CONFIG_FILE_NAME} in ${resolve(cwd)} or any folder above it`,
    `run from your repository, or pass --config <path>`,
  );
}

export interface LoadConfigOptions {
  /**
   * Also check the files the config names (Dockerfiles, build contexts), relative to the config
   * file's folder: `config check`, `plan` and `deploy` do; resolving a branch needs no files.
   * @default false
   */
  readonly checkFiles?: boolean;
}

/** Find, read, parse and validate the config file. */
export function loadConfig(
  explicit?: string,
  cwd?: string,
  options: LoadConfigOptions = {},
): { config: Config; file: string } {
  const file = findConfigFile(explicit, cwd);
  const context: CheckContext = options.checkFiles
    ? { fileExists: (path) => existsSync(resolve(dirname(file), path)) }
    : {};
  return { config: parseConfigText(readConfigFile(file), file, context), file };
}
