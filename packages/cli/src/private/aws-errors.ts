import { UserError } from '@branch-env/core';

const CREDENTIAL_ERRORS = new Set([
  'CredentialsProviderError',
  'ExpiredToken',
  'ExpiredTokenException',
  'InvalidClientTokenId',
  'UnrecognizedClientException',
  'TokenRefreshRequired',
  'InvalidAccessKeyId',
  'SignatureDoesNotMatch',
]);

/** The SDK could not find or use credentials (no chain member had any, or they expired). */
export function isCredentialsError(error: unknown): boolean {
  if (!(error instanceof Error)) return false;
  return (
    CREDENTIAL_ERRORS.has(error.name) ||
    /Could not load credentials|Unable to locate credentials|credentials? .*expired/i.test(
      error.message,
    )
  );
}

/**
 * The one-line error every AWS-facing command gives without usable credentials. `what` names the
 * command ("deploy", "destroy", ...).
 */
export function noCredentials(what: string, cause?: unknown): UserError {
  const detail =
    cause instanceof Error && cause.name !== 'CredentialsProviderError' ? ` (${cause.name})` : '';
  return new UserError(
    `${what} needs AWS credentials and none are usable${detail}`,
    'configure the standard AWS chain (AWS_PROFILE, AWS_ACCESS_KEY_ID/AWS_SECRET_ACCESS_KEY, SSO, or OIDC in CI); `branch-env plan` works without them',
  );
}

/** Rethrow credential failures as {@link noCredentials}; anything else unchanged. */
export function rethrowAws(what: string, error: unknown): never {
  if (isCredentialsError(error)) throw noCredentials(what, error);
  throw error;
}
