import { UserError } from '@branch-env/core';

/** A key, path or value breaks a config bus rule (prefix, SSM name or size limits). Nothing was sent. */
export class ConfigBusInputError extends UserError {
  override readonly name = 'ConfigBusInputError';
  readonly problems: readonly string[];

  constructor(what: string, problems: readonly string[], fix?: string) {
    super(
      problems.length === 1
        ? `${what}: ${problems[0]}`
        : `${what} has ${problems.length} problems:\n${problems.map((p) => `  - ${p}`).join('\n')}`,
      fix,
    );
    this.problems = problems;
  }
}

/**
 * SSM could not be reached (network, throttled beyond the retries, 5xx) and no earlier value of
 * the parameter is cached to serve instead.
 */
export class ConfigBusUnavailableError extends Error {
  override readonly name = 'ConfigBusUnavailableError';
  override readonly cause: unknown;

  constructor(name: string, cause: unknown) {
    super(
      `SSM Parameter Store is unavailable for ${name} and no earlier value is cached: ${describe(cause)}`,
    );
    this.cause = cause;
  }
}

/** Neither the environment nor its baseline publishes the service's URL. */
export class ServiceNotFoundError extends UserError {
  override readonly name = 'ServiceNotFoundError';
  readonly service: string;
  readonly tried: readonly string[];

  constructor(service: string, tried: readonly string[]) {
    super(
      `no URL published for service '${service}' (looked at ${tried.join(', ')})`,
      `deploy the service in this environment or its baseline, or put its URL: put('${service}/service-url', 'https://…')`,
    );
    this.service = service;
    this.tried = tried;
  }
}

/** `PutParameter` with `overwrite: false` found the parameter already there. */
export class ParameterExistsError extends UserError {
  override readonly name = 'ParameterExistsError';

  constructor(name: string) {
    super(`${name} already exists`, 'pass { overwrite: true } to replace it');
  }
}

/** `name: message` of an error, or its string form. */
export function describe(error: unknown): string {
  if (error instanceof Error) return `${error.name}: ${error.message}`;
  return String(error);
}
