import { clusterDefaultStrategy, spotShare } from './cost-estimate.js';
import { LISTENER_RULE_RESOURCE_TYPE } from '../platform/router.js';
import { QUOTAS_2026_12, raiseQuotaFix, type QuotaKey, type QuotaTable } from './quotas.js';
import {
  arrayOf,
  literalNumber,
  prop,
  referencedIds,
  refTarget,
  resourcesOf,
  type CfnTemplate,
} from './template.js';

/**
 * How many environments of a profile fit in an account under its service quotas, and which quota
 * binds. Pure: the usage of one environment comes from its synthesized templates; the platform's
 * fixed use from its configured shape; the environments already there (long-lived ones the config
 * implies, or the live ones a deploy counted) from their own templates.
 */
export type QuotaUsage = Partial<Record<QuotaKey, number>>;

export type Isolation = 'shared' | 'dedicated';

/** One stack of an environment, with the region it deploys to. */
export interface RegionalTemplate {
  readonly template: CfnTemplate;
  readonly region: string;
}

/** What the capacity model needs of an account platform (`accounts.<key>.platform`). */
export interface PlatformShape {
  /** @default 2 */
  readonly availabilityZones?: number;
  /** @default 0 */
  readonly natGateways?: number;
  /** @default 1 */
  readonly loadBalancers?: number;
  readonly databases?: {
    readonly documentdb?: { readonly instanceClass: string; readonly instances: number };
    readonly auroraPostgres?: { readonly minCapacity: number; readonly maxCapacity: number };
  };
}

const ELB_PER_LB = new Set<QuotaKey>(['rulesPerAlb', 'targetGroupsPerAlb', 'certificatesPerAlb']);

const add = (usage: Record<string, number>, key: QuotaKey, n: number) => {
  if (n !== 0) usage[key] = (usage[key] ?? 0) + n;
};

/** Max running tasks of a service: auto scaling MaxCapacity, else DesiredCount, else 1. */
function maxTasks(template: CfnTemplate, serviceId: string, desired: unknown): number {
  for (const [, resource] of resourcesOf(template)) {
    if (resource.Type !== 'AWS::ApplicationAutoScaling::ScalableTarget') continue;
    if (!referencedIds(prop(resource, 'ResourceId')).has(serviceId)) continue;
    const max = literalNumber(prop(resource, 'MaxCapacity'));
    if (max !== undefined) return max;
  }
  return literalNumber(desired) ?? 1;
}

/**
 * Quota usage of one environment, counted by resource type in its templates. Region-scoped
 * quotas count only stacks in `region` (the us-east-1 certificate stack of another region's
 * environment draws on us-east-1's pools). Fargate vCPU counts each service at its maximum task
 * count (auto scaling MaxCapacity), split On-Demand / Spot by its capacity provider strategy.
 * Listener rules, target groups and listener certificates count against a load balancer of the
 * environment's own when it has one, so they are reported only for an environment without one
 * (`shared` isolation), where they draw on the platform's load balancers.
 */
export function environmentQuotaUsage(
  stacks: readonly RegionalTemplate[],
  region: string,
  quotas: QuotaTable = QUOTAS_2026_12,
): QuotaUsage {
  const usage: Record<string, number> = {};
  let ownLoadBalancers = 0;
  const perLb: Record<string, number> = {};
  for (const { template, region: stackRegion } of stacks) {
    const here = stackRegion === region;
    const regional = (key: QuotaKey, n: number) => {
      if (here || quotas.quotas[key].scope === 'account') add(usage, key, n);
    };
    if (here) add(usage, 'cloudformationStacks', 1);
    for (const [id, resource] of resourcesOf(template)) {
      switch (resource.Type) {
        case 'AWS::EC2::VPC':
          regional('vpcsPerRegion', 1);
          break;
        case 'AWS::EC2::InternetGateway':
          regional('internetGatewaysPerRegion', 1);
          break;
        case 'AWS::EC2::EIP':
          regional('elasticIps', 1);
          break;
        case 'AWS::EC2::NatGateway':
          regional('natGatewaysPerAz', 1);
          break;
        case 'AWS::ElasticLoadBalancingV2::LoadBalancer':
          if ((prop(resource, 'Type') ?? 'application') === 'application') {
            regional('albsPerRegion', 1);
            if (here) ownLoadBalancers += 1;
          }
          break;
        case 'AWS::ElasticLoadBalancingV2::TargetGroup':
          regional('targetGroupsPerRegion', 1);
          if (here) add(perLb, 'targetGroupsPerAlb', 1);
          break;
        // A shared environment's rule is written on the platform listener by the platform's router.
        case 'AWS::ElasticLoadBalancingV2::ListenerRule':
        case LISTENER_RULE_RESOURCE_TYPE:
          if (here) add(perLb, 'rulesPerAlb', 1);
          break;
        case 'AWS::ElasticLoadBalancingV2::ListenerCertificate':
          if (here)
            add(perLb, 'certificatesPerAlb', arrayOf(prop(resource, 'Certificates')).length);
          break;
        case 'AWS::CertificateManager::Certificate':
          regional('acmCertificates', 1);
          break;
        case 'AWS::DocDB::DBCluster':
          regional('docdbClusters', 1);
          break;
        case 'AWS::DocDB::DBInstance':
          regional('docdbInstances', 1);
          break;
        case 'AWS::RDS::DBCluster':
          regional('rdsClusters', 1);
          break;
        case 'AWS::RDS::DBInstance':
          regional('rdsInstances', 1);
          break;
        case 'AWS::CloudFront::Distribution':
          regional('cloudfrontDistributions', 1);
          break;
        case 'AWS::IAM::Role':
          regional('iamRoles', 1);
          break;
        case 'AWS::ECS::Service': {
          if (!here) break;
          const launchType = prop(resource, 'LaunchType');
          if (launchType !== undefined && launchType !== 'FARGATE') break;
          const taskId = refTarget(prop(resource, 'TaskDefinition'));
          const task = taskId === undefined ? undefined : template.Resources?.[taskId];
          const cpu = task === undefined ? undefined : literalNumber(prop(task, 'Cpu'));
          if (cpu === undefined) break;
          const tasks = maxTasks(template, id, prop(resource, 'DesiredCount'));
          const explicit = arrayOf(prop(resource, 'CapacityProviderStrategy'));
          const strategy =
            explicit.length > 0 || launchType !== undefined
              ? explicit
              : (clusterDefaultStrategy(template, refTarget(prop(resource, 'Cluster'))) ?? []);
          const spot = strategy.length === 0 ? 0 : (spotShare(strategy, tasks) ?? 0);
          const vcpu = (tasks * cpu) / 1024;
          add(usage, 'fargateSpotVcpu', vcpu * spot);
          add(usage, 'fargateOnDemandVcpu', vcpu * (1 - spot));
          break;
        }
        default:
          break;
      }
    }
  }
  if (ownLoadBalancers === 0) {
    for (const [key, n] of Object.entries(perLb)) add(usage, key as QuotaKey, n);
  }
  return usage;
}

/**
 * The platform's own use of the account's quotas: its VPC and internet gateway, a NAT gateway and
 * an Elastic IP per configured NAT, its load balancers, the site server's target group on each
 * (the listeners' default action: it takes a target group, not a rule), the wildcard certificate,
 * its CloudFormation stack and its shared database clusters (one writer instance for Aurora
 * Serverless v2).
 */
export function platformQuotaUsage(platform: PlatformShape): QuotaUsage {
  const usage: Record<string, number> = {};
  add(usage, 'vpcsPerRegion', 1);
  add(usage, 'internetGatewaysPerRegion', 1);
  add(usage, 'elasticIps', platform.natGateways ?? 0);
  add(usage, 'natGatewaysPerAz', platform.natGateways ?? 0);
  add(usage, 'albsPerRegion', platform.loadBalancers ?? 1);
  add(usage, 'targetGroupsPerRegion', platform.loadBalancers ?? 1);
  add(usage, 'targetGroupsPerAlb', platform.loadBalancers ?? 1);
  add(usage, 'acmCertificates', 1);
  add(usage, 'cloudformationStacks', 1);
  const docdb = platform.databases?.documentdb;
  if (docdb !== undefined) {
    add(usage, 'docdbClusters', 1);
    add(usage, 'docdbInstances', docdb.instances);
  }
  if (platform.databases?.auroraPostgres !== undefined) {
    add(usage, 'rdsClusters', 1);
    add(usage, 'rdsInstances', 1);
  }
  return usage;
}

/** The default VPC AWS creates in every region (and its internet gateway). */
const DEFAULT_VPC_USAGE: QuotaUsage = { vpcsPerRegion: 1, internetGatewaysPerRegion: 1 };

/** An environment already in the account (or reserved for one the config implies). */
export interface Occupant {
  readonly name: string;
  readonly isolation: Isolation;
  readonly usage: QuotaUsage;
  /**
   * It sleeps when idle (`sleepAfterIdleMinutes` not null): it holds no running-task quota while
   * asleep, so it is left out of the awake-at-once count of a profile that sleeps.
   * @default false
   */
  readonly sleeps?: boolean;
}

export interface CapacityInput {
  readonly region: string;
  /** Quota usage of one environment of the branch's profile (`environmentQuotaUsage`). */
  readonly usage: QuotaUsage;
  readonly isolation: Isolation;
  /**
   * The profile's environments sleep when idle (`sleepAfterIdleMinutes` not null): quotas that
   * count running tasks (Fargate vCPU) then bound how many are awake at once, not how many fit.
   * @default false
   */
  readonly sleeps?: boolean;
  /** The account's platform, when it has one (its fixed use is counted). */
  readonly platform?: PlatformShape | undefined;
  /** Environments that hold quota besides the new ones: long-lived, or live. */
  readonly occupants?: readonly Occupant[];
  /**
   * The region's default VPC exists (AWS creates one; it counts against VPCs per Region).
   * @default true
   */
  readonly defaultVpc?: boolean;
  /** @default QUOTAS_2026_12 */
  readonly quotas?: QuotaTable;
  /** Applied quota values that replace the defaults (what Service Quotas reports). */
  readonly values?: Partial<Record<QuotaKey, number>>;
}

export interface CapacityRow {
  readonly quota: QuotaKey;
  readonly name: string;
  readonly serviceCode: string;
  readonly quotaCode: string | null;
  readonly adjustable: boolean;
  readonly growsWithUsage: boolean;
  /** The quota value counted (default, or applied), × load balancers for per-load-balancer quotas. */
  readonly limit: number;
  /** The value came from `values` (applied), not the default. */
  readonly applied: boolean;
  /** Pools the limit is summed over: the platform's load balancers for per-load-balancer quotas, else 1. */
  readonly pools: number;
  readonly platform: number;
  /** Long-lived or live environments (and the default VPC). */
  readonly occupied: number;
  readonly perEnvironment: number;
  /**
   * How many more environments of the profile fit under this quota; null = this profile uses none.
   * For an `awake` row: how many can be awake at once.
   */
  readonly fits: number | null;
  /**
   * `fit`: the row bounds how many environments exist. `awake`: a quota of running tasks for a
   * profile that sleeps; it bounds how many are awake at once (`awakeAtOnce`), not how many fit.
   */
  readonly bounds: 'fit' | 'awake';
  readonly source: string;
}

export interface CapacityModel {
  /** Environments of the profile that fit under every quota; null when no counted quota limits it. */
  readonly environments: number | null;
  /** The quota that gives `environments`. */
  readonly binding: QuotaKey | null;
  /**
   * The same, counting only quotas AWS does not raise by itself with usage (it raises Fargate's),
   * i.e. what the platform's shape allows.
   */
  readonly structural: { readonly environments: number | null; readonly binding: QuotaKey | null };
  /**
   * For a profile that sleeps: how many of its environments can be awake (running tasks) at once,
   * next to every occupant that never sleeps, and the running-task quota that binds. Null for a
   * profile that never sleeps (its running-task quotas bound `environments`).
   */
  readonly awakeAtOnce: {
    readonly environments: number | null;
    readonly binding: QuotaKey | null;
  } | null;
  /** Every quota the profile or its account uses, binding first. */
  readonly rows: readonly CapacityRow[];
  readonly occupants: readonly string[];
  readonly assumptions: readonly string[];
  readonly quotaTable: { readonly date: string };
}

const EPSILON = 1e-9;

/** How many environments of a profile fit, under which quota. */
export function modelCapacity(input: CapacityInput): CapacityModel {
  const table = input.quotas ?? QUOTAS_2026_12;
  const shared = input.isolation === 'shared';
  const sleeps = input.sleeps ?? false;
  const loadBalancers = input.platform?.loadBalancers ?? 1;
  const platform = input.platform === undefined ? {} : platformQuotaUsage(input.platform);
  const defaults = (input.defaultVpc ?? true) ? DEFAULT_VPC_USAGE : {};
  const occupants = input.occupants ?? [];
  const rows: CapacityRow[] = [];
  for (const quota of Object.values(table.quotas)) {
    const key = quota.key;
    const perLb = ELB_PER_LB.has(key);
    const awake = sleeps && (quota.runningTasks ?? false);
    // Per-load-balancer pools exist only on the platform; a dedicated environment's own load
    // balancer has its own (environmentQuotaUsage leaves them out for it).
    const perEnvironment = perLb && !shared ? 0 : (input.usage[key] ?? 0);
    const occupied =
      (defaults[key] ?? 0) +
      occupants
        .filter((o) => !perLb || o.isolation === 'shared')
        // Awake at once: next to the occupants that never sleep (sleeping ones hold no task).
        .filter((o) => !awake || !(o.sleeps ?? false))
        .reduce((sum, o) => sum + (o.usage[key] ?? 0), 0);
    const platformUse = platform[key] ?? 0;
    if (perEnvironment === 0 && occupied === 0 && platformUse === 0) continue;
    const value = input.values?.[key];
    const base = value ?? quota.defaultValue;
    const limit = perLb ? base * loadBalancers : base;
    const fits =
      perEnvironment === 0
        ? null
        : Math.max(0, Math.floor((limit - platformUse - occupied) / perEnvironment + EPSILON));
    rows.push({
      quota: key,
      name: quota.name,
      serviceCode: quota.serviceCode,
      quotaCode: quota.quotaCode ?? null,
      adjustable: quota.adjustable,
      growsWithUsage: quota.growsWithUsage ?? false,
      limit,
      applied: value !== undefined,
      pools: perLb ? loadBalancers : 1,
      platform: platformUse,
      occupied,
      perEnvironment,
      fits,
      bounds: awake ? 'awake' : 'fit',
      source: quota.source,
    });
  }
  // Ties keep the table's order (VPCs before the internet gateways that follow them). Rows that
  // bound how many fit come first, then the awake-at-once ones, then the quotas this profile uses none of.
  const group = (r: CapacityRow) => (r.fits === null ? 2 : r.bounds === 'awake' ? 1 : 0);
  const order = (r: CapacityRow) => r.fits ?? Number.POSITIVE_INFINITY;
  rows.sort((a, b) => group(a) - group(b) || order(a) - order(b));
  const first = (list: readonly CapacityRow[]) => list.find((r) => r.fits !== null);
  const fitRows = rows.filter((r) => r.bounds === 'fit');
  const binding = first(fitRows);
  const structural = first(fitRows.filter((r) => !r.growsWithUsage));
  const awake = first(rows.filter((r) => r.bounds === 'awake'));
  const fargate = rows.find((r) => r.growsWithUsage && r.fits !== null);
  const assumptions = [
    `quota values: AWS defaults of ${table.date}${input.values && Object.keys(input.values).length > 0 ? ', replaced by the applied values given' : ''}`,
    ...((input.defaultVpc ?? true) ? ['the region still has its default VPC (it counts)'] : []),
    ...(input.platform === undefined
      ? []
      : [
          `the account platform: 1 VPC, ${input.platform.natGateways ?? 0} NAT gateway(s) with an Elastic IP each, ${loadBalancers} load balancer(s), 1 wildcard certificate${input.platform.databases?.documentdb ? ', a DocumentDB cluster' : ''}${input.platform.databases?.auroraPostgres ? ', an Aurora cluster' : ''}`,
        ]),
    ...(occupants.length > 0
      ? [`already holding quota: ${occupants.map((o) => o.name).join(', ')}`]
      : []),
    'Fargate vCPU counts every service at its maximum task count; a rolling deployment briefly runs up to twice that',
    ...(sleeps
      ? [
          "the profile's environments sleep when idle (0 tasks): Fargate vCPU bounds how many are awake at once, not how many fit; awake at once counts next to the environments that never sleep, and sleeping ones share that room when they wake",
        ]
      : []),
    ...(fargate === undefined
      ? []
      : [
          `Fargate vCPU quotas taken at the new-account default (${table.quotas[fargate.quota].defaultValue} vCPU); AWS raises them with usage, so an account in use usually has more: 'structural' leaves them out`,
        ]),
  ];
  return {
    environments: binding?.fits ?? null,
    binding: binding?.quota ?? null,
    structural: {
      environments: structural?.fits ?? null,
      binding: structural?.quota ?? null,
    },
    awakeAtOnce: sleeps
      ? { environments: awake?.fits ?? null, binding: awake?.quota ?? null }
      : null,
    rows,
    occupants: occupants.map((o) => o.name),
    assumptions,
    quotaTable: { date: table.date },
  };
}

/**
 * How to make room for one more environment than `row` allows (raise its quota to what that takes,
 * or add a load balancer), as a user error's fix; null when the profile uses none of the quota.
 */
export function moreRoomFix(
  row: CapacityRow,
  region: string,
  quotas: QuotaTable = QUOTAS_2026_12,
): string | null {
  if (row.fits === null) return null;
  const desired = row.platform + row.occupied + row.perEnvironment * (row.fits + 1);
  return raiseQuotaFix(quotas.quotas[row.quota], desired / row.pools, region);
}

/** Verdict of a deploy's capacity check: room for one more environment, or which quota is full. */
export type RoomDecision =
  | { readonly kind: 'room'; readonly environments: number | null }
  | {
      readonly kind: 'full';
      readonly quota: QuotaKey;
      readonly name: string;
      readonly message: string;
      readonly fix: string;
    };

/**
 * Whether one more environment fits, from a capacity model whose occupants are the environments
 * live in the account (plus the long-lived ones the config reserves). Every quota that bounds how
 * many environments fit counts, Fargate too for a profile that never sleeps (the deploy reads
 * applied values, so AWS's own raises are seen); for a profile that sleeps Fargate bounds only how
 * many are awake at once (`awakeAtOnce`), which refuses no deploy.
 */
export function decideRoom(
  model: CapacityModel,
  region: string,
  quotas: QuotaTable = QUOTAS_2026_12,
): RoomDecision {
  const full = model.rows.find((r) => r.bounds === 'fit' && r.fits !== null && r.fits < 1);
  if (full === undefined) return { kind: 'room', environments: model.environments };
  const quota = quotas.quotas[full.quota];
  const used = full.platform + full.occupied;
  const desired = used + full.perEnvironment;
  const perLb = full.pools > 1;
  return {
    kind: 'full',
    quota: full.quota,
    name: full.name,
    message: `the account is full: '${full.name}' allows ${full.limit}${perLb ? ' across the platform load balancers' : ''}, ${round(used)} are used (platform ${round(full.platform)}, environments ${round(full.occupied)}) and this environment needs ${round(full.perEnvironment)} more`,
    fix: raiseQuotaFix(quota, desired / full.pools, region),
  };
}

const round = (n: number) => Math.round(n * 100) / 100;
