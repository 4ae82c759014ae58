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

/** Credentials that worked and no longer do: the session ran out (a long destroy, an old login). */
const EXPIRED_ERRORS = new Set(['ExpiredToken', 'ExpiredTokenException', 'TokenRefreshRequired']);

/** The credentials work but may not make the call (IAM, SCP, resource policy). */
const PERMISSION_ERRORS = new Set([
  'AccessDenied',
  'AccessDeniedException',
  'UnauthorizedOperation',
  'UnauthorizedAccess',
  'AuthorizationError',
  'AuthorizationErrorException',
  'NotAuthorized',
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

function isExpired(error: Error): boolean {
  return (
    EXPIRED_ERRORS.has(error.name) || (isCredentialsError(error) && /expired/i.test(error.message))
  );
}

/**
 * An exception of an AWS service the SDK received (it carries the response's `$metadata`), not an
 * error of ours or of the CDK toolkit that may quote one.
 */
function isServiceException(error: Error): boolean {
  return '$metadata' in error;
}

/**
 * AWS refused the call for lack of permission (not for missing or expired credentials): a
 * permission error code, or a service exception of another code saying so. Only the service's own
 * exception is read that way: a CloudFormation deploy failure quoting a denial met by the stack's
 * execution role (or an SCP) is not the caller's missing permission.
 */
export function isPermissionError(error: unknown): boolean {
  return (
    error instanceof Error &&
    !isCredentialsError(error) &&
    (PERMISSION_ERRORS.has(error.name) ||
      (isServiceException(error) && /is not authorized to perform/i.test(error.message)))
  );
}

/**
 * The IAM action and resource a denial names, from the message AWS writes
 * ("User: arn:… is not authorized to perform: cloudformation:DescribeStacks on resource: arn:… because …").
 * Either may be missing (S3 often says only "Access Denied").
 */
export function deniedAction(message: string): { action?: string; resource?: string } {
  const action = /not authorized to perform:?\s+([\w-]+:[\w*]+)/i.exec(message)?.[1];
  const resource = /on resource:?\s+"?([^\s"]+?)"?(?:\s|$|,)/i.exec(message)?.[1];
  return {
    ...(action ? { action } : {}),
    ...(resource ? { resource: resource.replace(/[.,;]$/, '') } : {}),
  };
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

/**
 * What AWS said, as the user error it is (DESIGN.md §3: say what is wrong and the fix, exit 1):
 * expired credentials, missing credentials, or a denied permission naming the action. `undefined`
 * for anything else (a bug stays a bug). `what` names the command ("deploy", "list", ...). The one
 * mapping of the lifecycle commands: the command runner (`main`) applies it to whatever a command
 * throws, reap to each environment's failure, the toolkit adapter to what the toolkit wraps.
 */
export function awsFailure(what: string, error: unknown): UserError | undefined {
  if (error instanceof UserError) return error;
  if (!(error instanceof Error)) return undefined;
  if (isExpired(error)) {
    return new UserError(
      `${what}: the AWS credentials expired (${error.name}: ${firstLine(error.message)})`,
      're-authenticate (e.g. `aws sso login`, or a fresh role session; in CI, raise the role session duration) and run the command again: it picks up where it stopped',
    );
  }
  if (isCredentialsError(error)) return noCredentials(what, error);
  if (isPermissionError(error)) {
    const { action, resource } = deniedAction(error.message);
    const denied = action
      ? `${action}${resource ? ` on ${resource}` : ''}`
      : `a call (${firstLine(error.message)})`;
    return new UserError(
      `${what}: AWS denied ${denied} (${error.name})`,
      what === 'bootstrap'
        ? 'bootstrap creates IAM roles and stacks: run it with administrator credentials of the account'
        : `the credentials need ${action ?? 'that permission'}: in CI the deploy role lacks it, so re-run \`branch-env bootstrap\` (with administrator credentials) to update its policy; elsewhere use credentials that allow it`,
    );
  }
  return undefined;
}

/** Rethrow AWS failures as {@link awsFailure}'s user errors; anything else unchanged. */
export function rethrowAws(what: string, error: unknown): never {
  throw awsFailure(what, error) ?? error;
}

function firstLine(text: string): string {
  return text.split('\n')[0] ?? '';
}
