import type { Action } from '@aws-sdk/client-elastic-load-balancing-v2';
import type { SleeperAws } from '../src/platform/sleeper/aws.js';
import type {
  RuleFacts,
  ServiceFacts,
  SleeperSettings,
  Step,
} from '../src/platform/sleeper/decide.js';

/** Facts of a platform with one load balancer (two listeners would be two wakers). */
const P = 'arn:aws:elasticloadbalancing:us-east-1:111111111111';
export const LB = 'app/shop-platform-lb/50dc6c495c0c9188';
export const LISTENER = `${P}:listener/${LB}/f2f7dc8efc522ab2`;
const LB2 = 'app/shop-platform-lb2/60dc6c495c0c9188';
export const LISTENER2 = `${P}:listener/${LB2}/a2f7dc8efc522ab2`;
export const WAKER = `${P}:targetgroup/Platfo-Waker0-1A2B3C/0123456789abcdef`;
export const WAKER2 = `${P}:targetgroup/Platfo-Waker1-1A2B3C/1123456789abcdef`;
export const CLUSTER = 'arn:aws:ecs:us-east-1:111111111111:cluster/shop-platform-Cluster-Xyz';
export const OIDC_CONFIG = {
  Issuer: 'https://login.example.com',
  AuthorizationEndpoint: 'https://login.example.com/authorize',
  TokenEndpoint: 'https://login.example.com/token',
  UserInfoEndpoint: 'https://login.example.com/userinfo',
  ClientId: 'branch-env-previews',
};

export const settings: SleeperSettings = {
  app: 'shop',
  wakers: { [LISTENER]: WAKER, [LISTENER2]: WAKER2 },
};

export const NOW = Date.UTC(2026, 11, 6, 12, 0, 0);
export const MIN = 60_000;

/** A hex id per name (ARN ids differ between environments). */
const idOf = (name: string): string =>
  Buffer.from(name).toString('hex').slice(-16).padStart(16, '0');

export const ownTg = (env: string): string => `${P}:targetgroup/shop-${env}/${idOf(env)}`;

export function rule(
  env: string,
  over: {
    n?: number;
    to?: 'own' | 'waker' | string;
    sleepAfter?: string | null;
    oidc?: boolean;
    listener?: string;
    app?: string;
    host?: string;
  } = {},
): RuleFacts {
  const listener = over.listener ?? LISTENER;
  const to =
    over.to === undefined || over.to === 'own'
      ? ownTg(env)
      : over.to === 'waker'
        ? settings.wakers[listener]!
        : over.to;
  const actions: Action[] = [
    ...(over.oidc === true
      ? [{ Type: 'authenticate-oidc' as const, Order: 1, AuthenticateOidcConfig: OIDC_CONFIG }]
      : []),
    {
      Type: 'forward',
      Order: over.oidc === true ? 2 : 1,
      TargetGroupArn: to,
      ForwardConfig: { TargetGroups: [{ TargetGroupArn: to, Weight: 1 }] },
    },
  ];
  const tags: Record<string, string> = {
    'branch-env:app': over.app ?? 'shop',
    'branch-env:environment': env,
    'branch-env:target-group': ownTg(env),
  };
  if (over.sleepAfter !== null) tags['branch-env:sleep-after'] = over.sleepAfter ?? '30';
  return {
    arn: `${listener.replace(':listener/', ':listener-rule/')}/${idOf(`${env}-${over.n ?? 0}`)}`,
    listenerArn: listener,
    hosts: [over.host ?? `${env}.dev.example.net`],
    actions,
    tags,
  };
}

export function service(
  env: string,
  over: Partial<ServiceFacts> & { name?: string; awakeCount?: string; wokenAt?: string } = {},
): ServiceFacts {
  const name = over.name ?? `shop-${env}-api`;
  const tags: Record<string, string> = {
    'branch-env:app': 'shop',
    'branch-env:environment': env,
    ...(over.awakeCount === undefined ? {} : { 'branch-env:awake-count': over.awakeCount }),
    ...(over.wokenAt === undefined ? {} : { 'branch-env:woken-at': over.wokenAt }),
    ...over.tags,
  };
  return {
    arn: `arn:aws:ecs:us-east-1:111111111111:service/shop-platform-Cluster-Xyz/${name}`,
    name,
    clusterName: 'shop-platform-Cluster-Xyz',
    desired: 1,
    running: 1,
    deploying: false,
    deployedAt: NOW - 3 * 60 * MIN,
    targetGroupArns: [ownTg(env)],
    scaling: undefined,
    ...over,
    tags,
  };
}

/**
 * A stateful fake of what the sleeper reads and changes: rules, services, scaling, health and
 * request counts. Steps change the state as AWS would; calls are recorded.
 */
export class FakeWorld implements SleeperAws {
  readonly calls: string[] = [];
  rulesState: RuleFacts[];
  servicesState: ServiceFacts[];
  healthy = new Set<string>();
  requestsPerMinute = new Map<string, number>();

  constructor(rules: RuleFacts[], services: ServiceFacts[]) {
    this.rulesState = rules;
    this.servicesState = services;
  }

  async rules(listenerArns: readonly string[], app: string): Promise<RuleFacts[]> {
    await tick();
    this.calls.push('rules');
    return this.rulesState.filter(
      (r) => listenerArns.includes(r.listenerArn) && r.tags['branch-env:app'] === app,
    );
  }

  async services(
    _cluster: string,
    keep: (s: ServiceFacts) => boolean = () => true,
    arns?: readonly string[],
  ) {
    await tick();
    this.calls.push(arns === undefined ? 'services' : `services ${arns.length}`);
    return this.servicesState.filter((s) => (arns?.includes(s.arn) ?? true) && keep(s));
  }

  async requestSeries(queries: readonly { id: string; targetGroup: string }[]) {
    await tick();
    this.calls.push(`requests ${queries.length}`);
    return new Map(
      queries.map((q) => [
        q.id,
        [{ at: NOW - MIN, value: this.requestsPerMinute.get(q.targetGroup) ?? 0 }],
      ]),
    );
  }

  async healthyTargetGroups(arns: readonly string[]) {
    await tick();
    this.calls.push(`health ${arns.length}`);
    return new Set(arns.filter((a) => this.healthy.has(a)));
  }

  async ruleActions(ruleArns: readonly string[]) {
    await tick();
    this.calls.push('rule-actions');
    return new Map(
      this.rulesState.filter((r) => ruleArns.includes(r.arn)).map((r) => [r.arn, [...r.actions]]),
    );
  }

  async run(step: Step): Promise<void> {
    await tick();
    this.calls.push(step.kind);
    switch (step.kind) {
      case 'modify-rule':
        this.rulesState = this.rulesState.map((r) =>
          r.arn === step.rule ? { ...r, actions: step.actions } : r,
        );
        return;
      case 'tag-service':
        this.servicesState = this.servicesState.map((s) =>
          s.arn === step.service ? { ...s, tags: { ...s.tags, ...step.tags } } : s,
        );
        return;
      case 'set-desired':
        this.servicesState = this.servicesState.map((s) =>
          s.name === step.service ? { ...s, desired: step.count } : s,
        );
        return;
      default: {
        const suspended = step.kind === 'suspend-scaling';
        this.servicesState = this.servicesState.map((s) =>
          s.scaling?.resourceId === step.resourceId
            ? { ...s, scaling: { ...s.scaling, suspended } }
            : s,
        );
      }
    }
  }
}

/** Let other promises run between two calls (concurrent runs interleave). */
function tick(): Promise<void> {
  return new Promise((resolve) => setImmediate(resolve));
}
