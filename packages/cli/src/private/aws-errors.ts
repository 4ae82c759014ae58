import { UserError } from '@branch-env/core';
import { unconfiguredProfile } from './aws/profile.js';

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
function noCredentials(what: string, cause?: unknown): UserError {
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
  const profile = missingProfile(error);
  if (profile !== undefined) {
    return new UserError(
      `${what}: AWS profile '${profile}' is not configured (AWS_PROFILE)`,
      `add a [profile ${profile}] section to ~/.aws/config (e.g. \`aws configure --profile ${profile}\` or \`aws configure sso --profile ${profile}\`), or set AWS_PROFILE to a configured profile (\`aws configure list-profiles\`), or unset it`,
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
  return environmentFailure(what, error);
}

/**
 * A credentials failure while AWS_PROFILE names a profile neither AWS file has. The SDK's chain
 * says only "Could not load credentials from any providers" then; its ini provider alone says
 * "Could not resolve credentials using profile: [x] in configuration/credentials file(s)."
 */
function missingProfile(error: Error): string | undefined {
  if (!isCredentialsError(error)) return undefined;
  return (
    /Could not resolve credentials using profile: \[([^\]]+)\]/.exec(error.message)?.[1] ??
    unconfiguredProfile()
  );
}

interface Failure {
  readonly says: string;
  readonly fix: string;
}

/**
 * Failures of the machine's surroundings, not of branch-env, keyed by Node's system error `code`
 * or the SDK's error `name`: what happened and the fix (exit 1, not a bug).
 */
const ENVIRONMENT_FAILURES: Readonly<Record<string, Failure>> = {
  ENOTFOUND: {
    says: 'DNS lookup failed',
    fix: 'check the network connection, DNS and any proxy (HTTPS_PROXY), then run the command again',
  },
  EAI_AGAIN: {
    says: 'DNS lookup failed (temporary)',
    fix: 'check the network connection and DNS, then run the command again',
  },
  ECONNREFUSED: {
    says: 'the connection was refused',
    fix: 'check the network, any proxy (HTTPS_PROXY) and AWS_ENDPOINT_URL* variables, then run the command again',
  },
  ECONNRESET: {
    says: 'the connection was reset',
    fix: 'check the network and any proxy, then run the command again',
  },
  ETIMEDOUT: {
    says: 'the connection timed out',
    fix: 'check the network and any proxy or firewall, then run the command again',
  },
  ENETUNREACH: {
    says: 'the network is unreachable',
    fix: 'check the network connection, then run the command again',
  },
  EHOSTUNREACH: {
    says: 'the host is unreachable',
    fix: 'check the network connection, then run the command again',
  },
  TimeoutError: {
    says: 'an AWS request timed out',
    fix: 'check the network and any proxy, then run the command again',
  },
  ThrottlingException: {
    says: 'AWS throttled the requests',
    fix: 'wait a minute and run the command again (other tools may be calling the same API in this account)',
  },
  Throttling: {
    says: 'AWS throttled the requests',
    fix: 'wait a minute and run the command again (other tools may be calling the same API in this account)',
  },
  TooManyRequestsException: {
    says: 'AWS throttled the requests',
    fix: 'wait a minute and run the command again (other tools may be calling the same API in this account)',
  },
  RequestLimitExceeded: {
    says: 'AWS throttled the requests',
    fix: 'wait a minute and run the command again (other tools may be calling the same API in this account)',
  },
  EACCES: {
    says: 'permission denied',
    fix: 'make the file readable (and writable where the command writes) by this user, or name another file',
  },
  EPERM: {
    says: 'operation not permitted',
    fix: 'make the file accessible to this user, or name another file',
  },
  ENOENT: {
    says: 'no such file or folder',
    fix: 'check the path (relative paths are read from the current folder)',
  },
  EISDIR: {
    says: 'is a folder, not a file',
    fix: 'name the file inside the folder',
  },
  ENOTDIR: {
    says: 'a part of the path is not a folder',
    fix: 'check the path',
  },
};

/** File-system codes: only a path outside branch-env's own installation is the user's. */
const FILE_CODES = new Set(['EACCES', 'EPERM', 'ENOENT', 'EISDIR', 'ENOTDIR']);

/**
 * Network, DNS, throttling, timeout and file-system failures as user errors naming the fix;
 * `undefined` for anything else. A file error on a file of branch-env's own installation
 * (`node_modules`) stays a bug.
 */
export function environmentFailure(what: string, error: unknown): UserError | undefined {
  if (!(error instanceof Error)) return undefined;
  const { code, path, hostname } = error as Error & {
    code?: unknown;
    path?: unknown;
    hostname?: unknown;
  };
  const key = typeof code === 'string' && code in ENVIRONMENT_FAILURES ? code : error.name;
  const failure = Object.hasOwn(ENVIRONMENT_FAILURES, key) ? ENVIRONMENT_FAILURES[key] : undefined;
  if (!failure) return undefined;
  if (FILE_CODES.has(key)) {
    if (typeof path === 'string') {
      if (/[\\/]node_modules[\\/]/.test(path)) return undefined;
      return new UserError(`${what}: ${path}: ${failure.says} (${key})`, failure.fix);
    }
    // Node's read of a folder (readFile on a folder) fails in `read`, which carries no path.
    if (key === 'EISDIR') {
      return new UserError(
        `${what}: a folder was named where a file is expected (EISDIR)`,
        failure.fix,
      );
    }
    return undefined;
  }
  const host = typeof hostname === 'string' ? ` reaching ${hostname}` : '';
  return new UserError(
    `${what}: ${failure.says}${host} (${key}: ${firstLine(error.message)})`,
    failure.fix,
  );
}

/** Rethrow AWS failures as {@link awsFailure}'s user errors; anything else unchanged. */
export function rethrowAws(what: string, error: unknown): never {
  throw awsFailure(what, error) ?? error;
}

function firstLine(text: string): string {
  return text.split('\n')[0] ?? '';
}
