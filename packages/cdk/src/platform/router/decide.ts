import type { Action, RuleCondition } from '@aws-sdk/client-elastic-load-balancing-v2';
import { TAG_KEYS } from '@branch-env/core';
import type { ListenerAccess } from '../../service/service.js';
import {
  Refusal,
  requestingEnvironment,
  STACK_ID_TAG,
  type CustomResourceEvent,
} from '../provisioner/decide.js';

/**
 * The decisions of the platform's listener-rule router (docs/platform.md, "Who writes the listener
 * rules"), pure. A shared environment's stack asks for a rule with `Custom::BranchEnvListenerRule`;
 * the router decides the rule from who is asking (the requesting stack's tags, as the database
 * provisioner does), never from the request alone: the host is always `<environment>.<domain>` of
 * the requesting environment, the listener one of the platform's, the target group one of the
 * requesting stack's own. No deploy role may write rules on the platform's listeners, so a branch
 * cannot route another environment's host, nor change or reorder another environment's rule.
 */

export { LISTENER_RULE_RESOURCE_TYPE } from '@branch-env/core';

/** Tags of the rules the router writes, besides the app's and the environment's. */
export const RULE_TAGS = {
  /** Idle minutes before the platform's sleeper may put the environment to sleep. */
  sleepAfter: 'branch-env:sleep-after',
  /** The environment's own target group: what the rule forwards to while awake. */
  targetGroup: 'branch-env:target-group',
} as const;

/**
 * The tag an OIDC client secret must carry for the router to put it into a rule: the token
 * endpoint the load balancer may send it to. Set by whoever creates the secret, so a branch
 * cannot have the load balancer send the secret to an endpoint of its choosing.
 */
export const OIDC_TOKEN_ENDPOINT_TAG = 'branch-env:oidc-token-endpoint';

/**
 * Access of a private environment, as the request carries it: the stack's `ListenerAccess` (a
 * type-only import; nothing of the construct library reaches the bundle).
 */
export type RuleAccess = ListenerAccess;

/** What the stack asks for (`ResourceProperties`, every value a string as CloudFormation sends them). */
export interface RuleRequest {
  readonly listenerArn: string;
  readonly priority: number;
  /** Path patterns; none = the whole host. */
  readonly paths: readonly string[];
  readonly targetGroupArn: string;
  readonly access: RuleAccess;
  /** Idle minutes before the environment may sleep; undefined = never. */
  readonly sleepAfterMinutes?: number | undefined;
}

/** The router's configuration (its environment variables, set by the platform stack). */
export interface RouterSettings {
  readonly app: string;
  /** The platform's domain: rules match `<environment>.<domain>`. */
  readonly domain: string;
  /** The platform's HTTPS listeners: the only ones the router writes rules on. */
  readonly listenerArns: readonly string[];
  /** Target groups a sleeping environment's rules forward to (the platform's waker). */
  readonly wakerTargetGroupArns: readonly string[];
}

/** What DescribeRules and DescribeTags say about an existing rule. */
export interface RuleFacts {
  readonly arn: string;
  readonly listenerArn: string;
  readonly priority: number | 'default';
  /** The target group its forward action forwards to. */
  readonly forwardTargetGroupArn: string | undefined;
  readonly tags: Readonly<Record<string, string>>;
}

/** What DescribeTags says about the target group the request names. */
export interface TargetGroupFacts {
  readonly arn: string;
  readonly tags: Readonly<Record<string, string>>;
}

const ARN = (service: string, resource: string) =>
  new RegExp(`^arn:aws[a-z-]*:${service}:[a-z0-9-]+:\\d{12}:${resource}$`);
const TARGET_GROUP_ARN = ARN('elasticloadbalancing', 'targetgroup/[\\w-]{1,32}/[0-9a-f]{16}');
const RULE_ARN = ARN(
  'elasticloadbalancing',
  'listener-rule/app/[\\w-]{1,32}/[0-9a-f]{16}/[0-9a-f]{16}/[0-9a-f]{16}',
);
const SECRET_ARN = ARN('secretsmanager', 'secret:[\\w/+=.@-]+');
const CIDR = /^(\d{1,3}\.){3}\d{1,3}\/\d{1,2}$|^[0-9a-fA-F:]+\/\d{1,3}$/;
const HTTPS_URL = /^https:\/\/[^\s]+$/;
/** ALB path patterns: up to 128 characters of A-Z a-z 0-9 _ - . $ / ~ " ' @ : + & ( ) ! , ; = * ? */
const PATH_PATTERN = /^[A-Za-z0-9_\-.$/~"'@:+&()!,;=*?]{1,128}$/;

function text(props: Readonly<Record<string, unknown>>, key: string): string {
  const value = props[key];
  if (typeof value !== 'string' || value === '') throw new Refusal(`property ${key} is missing`);
  return value;
}

function list(props: Readonly<Record<string, unknown>>, key: string): string[] {
  const value = props[key];
  if (value === undefined) return [];
  if (!Array.isArray(value) || value.some((v) => typeof v !== 'string'))
    throw new Refusal(`property ${key} must be a list of strings`);
  return value as string[];
}

function accessOf(value: unknown): RuleAccess {
  if (value === undefined) return { mode: 'public' };
  if (typeof value !== 'object' || value === null)
    throw new Refusal('property Access must be an object');
  const a = value as Record<string, unknown>;
  const mode = a['Mode'];
  if (mode === 'public') return { mode };
  if (mode === 'cidr') {
    const cidrs = list(a, 'Cidrs');
    if (cidrs.length === 0 || cidrs.length > 4 || cidrs.some((c) => !CIDR.test(c)))
      throw new Refusal(
        'Access.Cidrs must be 1 to 4 CIDR blocks (a rule has at most 5 condition values)',
      );
    return { mode, cidrs };
  }
  if (mode === 'oidc') {
    const urls = ['Issuer', 'AuthorizationEndpoint', 'TokenEndpoint', 'UserInfoEndpoint'].map(
      (k) => {
        const url = text(a, k);
        if (!HTTPS_URL.test(url)) throw new Refusal(`Access.${k} must be an https URL`);
        return url;
      },
    );
    const clientSecretArn = text(a, 'ClientSecretArn');
    if (!SECRET_ARN.test(clientSecretArn))
      throw new Refusal('Access.ClientSecretArn is not a Secrets Manager ARN');
    const field = a['ClientSecretField'];
    return {
      mode,
      issuer: urls[0] as string,
      authorizationEndpoint: urls[1] as string,
      tokenEndpoint: urls[2] as string,
      userInfoEndpoint: urls[3] as string,
      clientId: text(a, 'ClientId'),
      clientSecretArn,
      clientSecretField: typeof field === 'string' && field !== '' ? field : undefined,
    };
  }
  throw new Refusal(`Access.Mode '${String(mode)}' is not public, cidr or oidc`);
}

/** The request's properties, checked: anything malformed is refused before any AWS call. */
export function ruleRequestOf(event: CustomResourceEvent, settings: RouterSettings): RuleRequest {
  const props = event.ResourceProperties;
  const listenerArn = text(props, 'ListenerArn');
  if (!settings.listenerArns.includes(listenerArn))
    throw new Refusal(`listener ${listenerArn} is not one of the platform's listeners`);
  const priority = Number(text(props, 'Priority'));
  if (!Number.isInteger(priority) || priority < 1 || priority > 50_000)
    throw new Refusal(`Priority must be an integer from 1 to 50000`);
  const paths = list(props, 'Paths');
  if (paths.length > 3 || paths.some((p) => !PATH_PATTERN.test(p)))
    throw new Refusal(
      'Paths must be at most 3 ALB path patterns (a rule has at most 5 condition values)',
    );
  const targetGroupArn = text(props, 'TargetGroupArn');
  if (!TARGET_GROUP_ARN.test(targetGroupArn))
    throw new Refusal('TargetGroupArn is not a target group ARN');
  const access = accessOf(props['Access']);
  const values = 1 + paths.length + (access.mode === 'cidr' ? access.cidrs.length : 0);
  if (values > 5)
    throw new Refusal(`the rule would have ${values} condition values; a rule has at most 5`);
  const sleep = props['SleepAfterMinutes'];
  let sleepAfterMinutes: number | undefined;
  if (sleep !== undefined && sleep !== '') {
    sleepAfterMinutes = Number(sleep);
    if (!Number.isInteger(sleepAfterMinutes) || sleepAfterMinutes < 1)
      throw new Refusal('SleepAfterMinutes must be a positive integer');
  }
  return { listenerArn, priority, paths, targetGroupArn, access, sleepAfterMinutes };
}

/** The target group must be the requesting stack's own (CloudFormation's `aws:` tag says whose). */
export function checkTargetGroup(event: CustomResourceEvent, group: TargetGroupFacts): void {
  if (group.tags[STACK_ID_TAG] !== event.StackId)
    throw new Refusal(
      `target group ${group.arn} is not a resource of the requesting stack: a rule forwards only to its own environment's target groups`,
    );
}

/** The OIDC client secret must name the request's token endpoint in its tag. */
export function checkClientSecret(
  access: Extract<RuleAccess, { mode: 'oidc' }>,
  secretTags: Readonly<Record<string, string>>,
): void {
  const allowed = secretTags[OIDC_TOKEN_ENDPOINT_TAG];
  if (allowed !== access.tokenEndpoint)
    throw new Refusal(
      `secret ${access.clientSecretArn} is not tagged ${OIDC_TOKEN_ENDPOINT_TAG}=${access.tokenEndpoint}: tag the client secret with the token endpoint it may be sent to (docs/platform.md, "Private previews")`,
    );
}

/** A rule as ELB's CreateRule and ModifyRule take it. */
export interface RuleSpec {
  readonly conditions: readonly RuleCondition[];
  readonly actions: readonly Action[];
  readonly tags: Readonly<Record<string, string>>;
}

/**
 * The rule for the requesting environment: its host (and the request's paths and source CIDRs),
 * OIDC sign-in first when asked, then forward to `forwardTo` (its own target group, or the waker's
 * while it sleeps). Tagged with the app, the environment, its own target group and when it may
 * sleep (what the platform's sleeper reads).
 */
export function ruleSpecOf(
  environment: string,
  request: RuleRequest,
  settings: RouterSettings,
  options: { readonly forwardTo: string; readonly clientSecret?: string | undefined },
): RuleSpec {
  const access = request.access;
  const conditions: RuleCondition[] = [
    { Field: 'host-header', HostHeaderConfig: { Values: [`${environment}.${settings.domain}`] } },
  ];
  if (access.mode === 'cidr')
    conditions.push({ Field: 'source-ip', SourceIpConfig: { Values: [...access.cidrs] } });
  if (request.paths.length > 0)
    conditions.push({ Field: 'path-pattern', PathPatternConfig: { Values: [...request.paths] } });
  const forward = { Type: 'forward' as const, TargetGroupArn: options.forwardTo };
  let actions: Action[];
  if (access.mode === 'oidc') {
    if (options.clientSecret === undefined) throw new Refusal('bug: no OIDC client secret read');
    actions = [
      {
        Type: 'authenticate-oidc' as const,
        Order: 1,
        AuthenticateOidcConfig: {
          Issuer: access.issuer,
          AuthorizationEndpoint: access.authorizationEndpoint,
          TokenEndpoint: access.tokenEndpoint,
          UserInfoEndpoint: access.userInfoEndpoint,
          ClientId: access.clientId,
          ClientSecret: options.clientSecret,
          OnUnauthenticatedRequest: 'authenticate' as const,
        },
      },
      { ...forward, Order: 2 },
    ];
  } else actions = [{ ...forward, Order: 1 }];
  const tags: Record<string, string> = {
    [TAG_KEYS.app]: settings.app,
    [TAG_KEYS.environment]: environment,
    [RULE_TAGS.targetGroup]: request.targetGroupArn,
  };
  if (request.sleepAfterMinutes !== undefined)
    tags[RULE_TAGS.sleepAfter] = String(request.sleepAfterMinutes);
  return { conditions, actions, tags };
}

/** What the router does for one request. */
export type RuleAction =
  | { readonly kind: 'create' }
  | {
      readonly kind: 'modify';
      readonly rule: RuleFacts;
      /** The environment sleeps: keep forwarding to the waker, and wake it. */
      readonly asleep: boolean;
    }
  | { readonly kind: 'delete'; readonly rule: RuleFacts }
  | { readonly kind: 'nothing'; readonly physicalResourceId: string; readonly why: string };

/** Whether the rule is this app's rule of `environment` (its tags; never its host alone). */
function owns(rule: RuleFacts, environment: string, settings: RouterSettings): boolean {
  return (
    rule.tags[TAG_KEYS.app] === settings.app &&
    rule.tags[TAG_KEYS.environment] === environment &&
    settings.listenerArns.includes(rule.listenerArn)
  );
}

/** Whether a physical resource id is a rule the router created (else a failed create's placeholder). */
export function isRuleArn(physicalResourceId: string | undefined): physicalResourceId is string {
  return physicalResourceId !== undefined && RULE_ARN.test(physicalResourceId);
}

/**
 * Create, modify (in place, keeping a sleeping environment asleep), delete or leave alone.
 * `existing` is the rule the physical id names, if it still exists. An Update that moves the rule
 * to another listener creates a new one: CloudFormation then deletes the old one.
 */
export function ruleActionOf(
  event: CustomResourceEvent,
  environment: string,
  request: RuleRequest | undefined,
  existing: RuleFacts | undefined,
  settings: RouterSettings,
): RuleAction {
  const physical = event.PhysicalResourceId;
  if (event.RequestType === 'Create') return { kind: 'create' };
  if (event.RequestType === 'Delete') {
    if (!isRuleArn(physical) || existing === undefined)
      return {
        kind: 'nothing',
        physicalResourceId: physical ?? `none/${event.RequestId}`,
        why: 'no rule to delete',
      };
    if (!owns(existing, environment, settings))
      // Never another environment's rule; the stack's own resource is gone either way.
      return {
        kind: 'nothing',
        physicalResourceId: physical,
        why: `rule ${physical} is not environment ${environment}'s: left alone`,
      };
    return { kind: 'delete', rule: existing };
  }
  if (request === undefined) throw new Refusal('bug: an update without its request');
  if (!isRuleArn(physical) || existing === undefined) return { kind: 'create' };
  if (!owns(existing, environment, settings))
    throw new Refusal(`rule ${physical} is not environment ${environment}'s`);
  if (existing.listenerArn !== request.listenerArn) return { kind: 'create' };
  const asleep =
    existing.forwardTargetGroupArn !== undefined &&
    settings.wakerTargetGroupArns.includes(existing.forwardTargetGroupArn);
  return { kind: 'modify', rule: existing, asleep };
}

/** Settings from the function's environment variables (set by the platform stack). */
export function routerSettingsFrom(env: NodeJS.ProcessEnv): RouterSettings {
  const listOf = (v: string | undefined) => (v ?? '').split(',').filter((s) => s !== '');
  return {
    app: env['APP'] ?? '',
    domain: env['DOMAIN'] ?? '',
    listenerArns: listOf(env['LISTENER_ARNS']),
    wakerTargetGroupArns: listOf(env['WAKER_TARGET_GROUP_ARNS']),
  };
}

export { requestingEnvironment, type CustomResourceEvent };
