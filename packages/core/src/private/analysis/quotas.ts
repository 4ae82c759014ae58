/**
 * AWS default service quotas the capacity model counts against, one entry per quota, with where
 * the default value is published. A dated table like the price table: defaults change, and an
 * account's applied value may differ (deploy reads the applied values when it can).
 */
export type QuotaKey =
  | 'vpcsPerRegion'
  | 'internetGatewaysPerRegion'
  | 'elasticIps'
  | 'natGatewaysPerAz'
  | 'albsPerRegion'
  | 'targetGroupsPerRegion'
  | 'rulesPerAlb'
  | 'targetGroupsPerAlb'
  | 'certificatesPerAlb'
  | 'acmCertificates'
  | 'docdbClusters'
  | 'docdbInstances'
  | 'rdsClusters'
  | 'rdsInstances'
  | 'cloudfrontDistributions'
  | 'fargateOnDemandVcpu'
  | 'fargateSpotVcpu'
  | 'iamRoles'
  | 'cloudformationStacks';

/**
 * `region`: one pool per account and region. `account`: one pool per account (IAM, CloudFront).
 * `load-balancer`: one pool per shared load balancer of the platform (the limit is multiplied by
 * `platform.loadBalancers`); a dedicated environment's own load balancer has its own pool.
 */
export type QuotaScope = 'region' | 'account' | 'load-balancer';

export interface Quota {
  readonly key: QuotaKey;
  /** The quota's name in the Service Quotas console. */
  readonly name: string;
  /** Service Quotas service code, e.g. `vpc`. */
  readonly serviceCode: string;
  /** Service Quotas quota code, absent for quotas Service Quotas does not list. */
  readonly quotaCode?: string;
  readonly defaultValue: number;
  readonly adjustable: boolean;
  readonly scope: QuotaScope;
  /**
   * AWS raises the applied value by itself as the account is used (Fargate: "New AWS accounts
   * might have initial lower quotas that can increase over time"), so the default is a floor for
   * a new account rather than what an account in use has.
   */
  readonly growsWithUsage?: boolean;
  /**
   * Counts running tasks only: a sleeping environment (its services at 0 tasks) holds none, so for
   * a profile that sleeps the quota bounds how many environments are awake at once, not how many
   * fit (docs/platform.md, "Sleep and wake").
   */
  readonly runningTasks?: boolean;
  /** Where the default value is published. */
  readonly source: string;
}

export interface QuotaTable {
  /** When the defaults were read, `YYYY-MM`. */
  readonly date: string;
  readonly quotas: Readonly<Record<QuotaKey, Quota>>;
}

const VPC_DOC = 'https://docs.aws.amazon.com/vpc/latest/userguide/amazon-vpc-limits.html';
const ALB_DOC =
  'https://docs.aws.amazon.com/elasticloadbalancing/latest/application/load-balancer-limits.html';
const FARGATE_DOC = 'https://docs.aws.amazon.com/general/latest/gr/ecs-service.html';

const quota = (key: QuotaKey, q: Omit<Quota, 'key'>): Quota => ({ key, ...q });

/** AWS default quotas, read Dec 2026 from the pages in each entry's `source`. */
export const QUOTAS_2026_12: QuotaTable = {
  date: '2026-12',
  quotas: {
    vpcsPerRegion: quota('vpcsPerRegion', {
      name: 'VPCs per Region',
      serviceCode: 'vpc',
      quotaCode: 'L-F678F1CE',
      defaultValue: 5,
      adjustable: true,
      scope: 'region',
      source: `${VPC_DOC} (the default VPC counts)`,
    }),
    internetGatewaysPerRegion: quota('internetGatewaysPerRegion', {
      name: 'Internet gateways per Region',
      serviceCode: 'vpc',
      quotaCode: 'L-A4707A72',
      defaultValue: 5,
      adjustable: true,
      scope: 'region',
      source: VPC_DOC,
    }),
    elasticIps: quota('elasticIps', {
      name: 'EC2-VPC Elastic IPs',
      serviceCode: 'ec2',
      quotaCode: 'L-0263D0A3',
      defaultValue: 5,
      adjustable: true,
      scope: 'region',
      source:
        'https://docs.aws.amazon.com/AWSEC2/latest/UserGuide/elastic-ip-addresses-eip.html#using-instance-addressing-limit (one per NAT gateway; an internet-facing ALB uses AWS-managed addresses, not Elastic IPs)',
    }),
    natGatewaysPerAz: quota('natGatewaysPerAz', {
      name: 'NAT gateways per Availability Zone',
      serviceCode: 'vpc',
      quotaCode: 'L-FE5A380F',
      defaultValue: 5,
      adjustable: true,
      scope: 'region',
      source: `${VPC_DOC} (counted as if every NAT gateway were in one zone, which is where single-NAT environments put them)`,
    }),
    albsPerRegion: quota('albsPerRegion', {
      name: 'Application Load Balancers per Region',
      serviceCode: 'elasticloadbalancing',
      quotaCode: 'L-53DA6B97',
      defaultValue: 50,
      adjustable: true,
      scope: 'region',
      source: ALB_DOC,
    }),
    targetGroupsPerRegion: quota('targetGroupsPerRegion', {
      name: 'Target Groups per Region',
      serviceCode: 'elasticloadbalancing',
      quotaCode: 'L-B22855CB',
      defaultValue: 3000,
      adjustable: true,
      scope: 'region',
      source: `${ALB_DOC} (shared with Network Load Balancers)`,
    }),
    rulesPerAlb: quota('rulesPerAlb', {
      name: 'Rules per Application Load Balancer',
      serviceCode: 'elasticloadbalancing',
      quotaCode: 'L-7EED9B64',
      defaultValue: 100,
      adjustable: true,
      scope: 'load-balancer',
      source: `${ALB_DOC} (excluding default rules)`,
    }),
    targetGroupsPerAlb: quota('targetGroupsPerAlb', {
      name: 'Target Groups per Application Load Balancer',
      serviceCode: 'elasticloadbalancing',
      defaultValue: 100,
      adjustable: false,
      scope: 'load-balancer',
      source: `${ALB_DOC} (not adjustable: add a load balancer instead)`,
    }),
    certificatesPerAlb: quota('certificatesPerAlb', {
      name: 'Certificates per Application Load Balancer',
      serviceCode: 'elasticloadbalancing',
      quotaCode: 'L-9365A611',
      defaultValue: 25,
      adjustable: true,
      scope: 'load-balancer',
      source: `${ALB_DOC} (excluding the default certificate)`,
    }),
    acmCertificates: quota('acmCertificates', {
      name: 'ACM certificates',
      serviceCode: 'acm',
      quotaCode: 'L-F141DD1D',
      defaultValue: 2500,
      adjustable: true,
      scope: 'region',
      source:
        'https://docs.aws.amazon.com/acm/latest/userguide/acm-limits.html (at a time; 5,000 requests per 365 days, expired and revoked included, limit churn separately)',
    }),
    docdbClusters: quota('docdbClusters', {
      name: 'DocumentDB clusters',
      serviceCode: 'docdb',
      defaultValue: 40,
      adjustable: true,
      scope: 'region',
      source: 'https://docs.aws.amazon.com/documentdb/latest/developerguide/limits.html',
    }),
    docdbInstances: quota('docdbInstances', {
      name: 'DocumentDB instances',
      serviceCode: 'docdb',
      defaultValue: 40,
      adjustable: true,
      scope: 'region',
      source: 'https://docs.aws.amazon.com/documentdb/latest/developerguide/limits.html',
    }),
    rdsClusters: quota('rdsClusters', {
      name: 'DB clusters',
      serviceCode: 'rds',
      quotaCode: 'L-952B80B8',
      defaultValue: 40,
      adjustable: true,
      scope: 'region',
      source: 'https://docs.aws.amazon.com/AmazonRDS/latest/UserGuide/CHAP_Limits.html',
    }),
    rdsInstances: quota('rdsInstances', {
      name: 'DB instances',
      serviceCode: 'rds',
      quotaCode: 'L-7B6409FD',
      defaultValue: 40,
      adjustable: true,
      scope: 'region',
      source: 'https://docs.aws.amazon.com/AmazonRDS/latest/UserGuide/CHAP_Limits.html',
    }),
    cloudfrontDistributions: quota('cloudfrontDistributions', {
      name: 'Web distributions per AWS account',
      serviceCode: 'cloudfront',
      quotaCode: 'L-24B04930',
      defaultValue: 500,
      adjustable: true,
      scope: 'account',
      source:
        'https://docs.aws.amazon.com/AmazonCloudFront/latest/DeveloperGuide/cloudfront-limits.html',
    }),
    fargateOnDemandVcpu: quota('fargateOnDemandVcpu', {
      name: 'Fargate On-Demand vCPU resource count',
      serviceCode: 'fargate',
      quotaCode: 'L-3032A538',
      defaultValue: 6,
      adjustable: true,
      scope: 'region',
      growsWithUsage: true,
      runningTasks: true,
      source: `${FARGATE_DOC} ("Each supported Region: 6"; new accounts start there and AWS raises it with usage: https://docs.aws.amazon.com/AmazonECS/latest/developerguide/service-quotas.html)`,
    }),
    fargateSpotVcpu: quota('fargateSpotVcpu', {
      name: 'Fargate Spot vCPU resource count',
      serviceCode: 'fargate',
      quotaCode: 'L-36FBB829',
      defaultValue: 6,
      adjustable: true,
      scope: 'region',
      growsWithUsage: true,
      runningTasks: true,
      source: `${FARGATE_DOC} ("Each supported Region: 6"; new accounts start there and AWS raises it with usage)`,
    }),
    iamRoles: quota('iamRoles', {
      name: 'Roles per account',
      serviceCode: 'iam',
      quotaCode: 'L-FE177D64',
      defaultValue: 1000,
      adjustable: true,
      scope: 'account',
      source: 'https://docs.aws.amazon.com/IAM/latest/UserGuide/reference_iam-quotas.html',
    }),
    cloudformationStacks: quota('cloudformationStacks', {
      name: 'Stack count',
      serviceCode: 'cloudformation',
      quotaCode: 'L-0485CB21',
      defaultValue: 2000,
      adjustable: true,
      scope: 'region',
      source:
        'https://docs.aws.amazon.com/AWSCloudFormation/latest/UserGuide/cloudformation-limits.html',
    }),
  },
};

/** How to raise a quota, as a user error's fix. */
export function raiseQuotaFix(quota: Quota, desiredValue: number, region: string): string {
  if (!quota.adjustable || quota.quotaCode === undefined) {
    return quota.scope === 'load-balancer'
      ? `'${quota.name}' cannot be raised: add a load balancer to the platform (accounts.<key>.platform.loadBalancers, up to 5) and run branch-env bootstrap`
      : `'${quota.name}' is not in Service Quotas: open a support case (https://support.console.aws.amazon.com/support/home#/case/create?issueType=service-limit-increase)`;
  }
  const cli = `aws service-quotas request-service-quota-increase --service-code ${quota.serviceCode} --quota-code ${quota.quotaCode} --desired-value ${Math.ceil(desiredValue)} --region ${region}`;
  const lb =
    quota.scope === 'load-balancer'
      ? ', or add a load balancer (accounts.<key>.platform.loadBalancers) and run branch-env bootstrap'
      : '';
  return `raise '${quota.name}' to at least ${Math.ceil(desiredValue)} in the Service Quotas console (https://console.aws.amazon.com/servicequotas/home/services/${quota.serviceCode}/quotas/${quota.quotaCode}) or with \`${cli}\`${lb}`;
}
