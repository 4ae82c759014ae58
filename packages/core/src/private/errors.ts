/**
 * Two kinds of error (DESIGN.md §3):
 * - {@link UserError}: the input is wrong. The message says what is wrong and the edit or command
 *   that fixes it; the CLI prints it without a stack trace and exits 1.
 * - anything else is a bug: the CLI prints the stack and exits 2.
 */
export class UserError extends Error {
  override readonly name: string = 'UserError';
  /** The edit or command that fixes the problem, shown after the message. */
  readonly fix: string | undefined;

  constructor(message: string, fix?: string) {
    super(message);
    this.fix = fix;
  }
}

/** One problem found in the configuration file, located by its JSON path. */
export interface ConfigIssue {
  /** JSON path in the config file, e.g. `rules[2].account`. Empty for the whole file. */
  readonly path: string;
  readonly message: string;
  /** 1-based line of the path in the file, when read from a file. @default undefined */
  readonly line?: number;
  /** 1-based column of the path in the file. @default undefined */
  readonly column?: number;
}

/** Every problem of a configuration file at once. */
export class ConfigError extends UserError {
  override readonly name = 'ConfigError';
  readonly issues: readonly ConfigIssue[];
  readonly file: string | undefined;

  constructor(issues: readonly ConfigIssue[], file?: string) {
    const where = file ?? 'branch-env.config.json';
    const lines = issues.map(
      (i) =>
        `  - ${i.path || '(root)'}${i.line === undefined ? '' : ` (line ${i.line}:${i.column ?? 1})`}: ${i.message}`,
    );
    super(
      `${where} has ${issues.length} problem${issues.length === 1 ? '' : 's'}:\n${lines.join('\n')}`,
      `edit ${where} and run \`branch-env config check\` again`,
    );
    this.issues = issues;
    this.file = file;
  }
}

/** The branch or ref given cannot name an environment (git would reject it, or it is not a branch). */
export class BranchError extends UserError {
  override readonly name = 'BranchError';
}

/** No routing rule matches the branch: it gets no environment (the one documented outcome). */
export class NoRouteError extends UserError {
  override readonly name = 'NoRouteError';
  readonly branch: string;

  constructor(branch: string, families: readonly string[]) {
    super(
      `branch '${branch}' matches no routing rule, so it gets no environment`,
      `push to a routed branch family (${families.join(', ')}) or add a rule for it to "rules" in branch-env.config.json`,
    );
    this.branch = branch;
  }
}

/**
 * The branch matches a rule that does not give it an environment: it is not in the rule's
 * `allow` list (protected environments are created deliberately).
 */
export class NotAllowedError extends UserError {
  override readonly name = 'NotAllowedError';
  readonly branch: string;

  constructor(branch: string, message: string, fix: string) {
    super(message, fix);
    this.branch = branch;
  }
}

/** Join a JSON path from its segments: `['rules', 2, 'account']` -> `rules[2].account`. */
export function jsonPath(segments: readonly PropertyKey[]): string {
  let out = '';
  for (const s of segments) {
    if (typeof s === 'number') out += `[${s}]`;
    else if (typeof s === 'string' && /^[A-Za-z_$][\w$]*$/.test(s)) out += out ? `.${s}` : s;
    else out += `[${JSON.stringify(String(s))}]`;
  }
  return out;
}
