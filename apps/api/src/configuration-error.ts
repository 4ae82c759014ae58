/**
 * The service's configuration (environment variables) is wrong or incomplete. The message lists
 * every problem and the variable that fixes it; main.ts prints it and exits 1 without serving.
 */
export class ConfigurationError extends Error {
  override readonly name = 'ConfigurationError';
  readonly problems: readonly string[];

  constructor(problems: readonly string[]) {
    super(
      `the service configuration has ${problems.length} problem${problems.length === 1 ? '' : 's'}:\n` +
        problems.map((p) => `  - ${p}`).join('\n'),
    );
    this.problems = problems;
  }
}
