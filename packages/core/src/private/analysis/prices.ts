/**
 * Dated list prices the cost model multiplies by. Injectable: `estimateCost(t, { prices })` takes
 * any table of this shape, e.g. one the CLI refreshed from the AWS Price List API.
 */
export interface Price {
  /** US dollars per `per`. */
  readonly usd: number;
  readonly per: 'hour' | 'month';
  /** What one unit is, e.g. "vCPU-hour", "instance", "AZ". */
  readonly unit: string;
}

export type PriceKey =
  | 'natGateway'
  | 'publicIpv4'
  | 'applicationLoadBalancer'
  | 'interfaceEndpointPerAz'
  | 'fargateVcpu'
  | 'fargateMemoryGb'
  | 'documentDbServerlessDcu'
  | 'auroraServerlessV2Acu'
  | 'kmsKey'
  | 'secret'
  | 'dashboard'
  | 'alarm'
  | 'route53Record'
  | 'route53HostedZone';

export interface PriceTable {
  /** When the prices were read, `YYYY-MM` or `YYYY-MM-DD`. */
  readonly date: string;
  /** Where they come from (shown next to every estimate). */
  readonly source: string;
  readonly region: string;
  /** Hours in a billing month (AWS uses 730). */
  readonly hoursPerMonth: number;
  readonly prices: Readonly<Record<PriceKey, Price>>;
  /** DocumentDB provisioned instance price per hour, by instance class. Missing class = unpriced. */
  readonly documentDbInstances: Readonly<Record<string, Price>>;
  /** Minimum DCU a running DocumentDB Serverless instance is billed for. */
  readonly documentDbServerlessMinimumDcu: number;
  /** Fraction off the x86 Fargate price for ARM64 (Graviton) tasks. */
  readonly fargateArm64Discount: number;
  /** Fraction off the on-demand Fargate price for FARGATE_SPOT tasks. */
  readonly fargateSpotDiscount: number;
}

const hour = (usd: number, unit: string): Price => ({ usd, per: 'hour', unit });
const month = (usd: number, unit: string): Price => ({ usd, per: 'month', unit });

/**
 * us-east-1 on-demand list prices read in Nov 2026, from docs/reference/aws-prices-and-durations.md
 * (AWS pricing pages as mirrored by infracost test fixtures and vantage.sh):
 * - https://aws.amazon.com/documentdb/pricing/  (db.t3.medium $0.078/h; Serverless $0.0822/DCU-h, ≥ 0.5 DCU)
 * - https://aws.amazon.com/rds/aurora/pricing/  (Serverless v2 $0.12/ACU-h, min 0 ACU pauses)
 * - https://aws.amazon.com/vpc/pricing/  (NAT $0.045/h; interface endpoint $0.01/h per AZ;
 *   public IPv4 $0.005/h each since 2024-02-01)
 * - https://aws.amazon.com/elasticloadbalancing/pricing/  (ALB $0.0225/h)
 * - https://aws.amazon.com/fargate/pricing/  ($0.04048/vCPU-h, $0.004445/GB-h; ARM ~20% less;
 *   Spot "up to 70%" less — the model takes the full 70%, so Spot lines are a lower bound)
 * - https://aws.amazon.com/kms/pricing/, https://aws.amazon.com/secrets-manager/pricing/,
 *   https://aws.amazon.com/cloudwatch/pricing/ ($1/key, $0.40/secret, $3/dashboard, $0.10/alarm a month)
 * - https://aws.amazon.com/route53/pricing/ (records are free; a hosted zone $0.50/month, the account
 *   platform's share, not per environment)
 */
export const PRICES_2026_11: PriceTable = {
  date: '2026-11',
  source:
    'AWS list prices, us-east-1 on-demand, read Nov 2026 (docs/reference/aws-prices-and-durations.md)',
  region: 'us-east-1',
  hoursPerMonth: 730,
  prices: {
    natGateway: hour(0.045, 'NAT gateway'),
    publicIpv4: hour(0.005, 'public IPv4 address'),
    applicationLoadBalancer: hour(0.0225, 'load balancer'),
    interfaceEndpointPerAz: hour(0.01, 'endpoint-AZ'),
    fargateVcpu: hour(0.04048, 'vCPU-hour'),
    fargateMemoryGb: hour(0.004445, 'GB-hour'),
    documentDbServerlessDcu: hour(0.0822, 'DCU-hour'),
    auroraServerlessV2Acu: hour(0.12, 'ACU-hour'),
    kmsKey: month(1, 'key'),
    secret: month(0.4, 'secret'),
    dashboard: month(3, 'dashboard'),
    alarm: month(0.1, 'standard-resolution alarm'),
    route53Record: month(0, 'record'),
    route53HostedZone: month(0.5, 'hosted zone'),
  },
  documentDbInstances: {
    'db.t3.medium': hour(0.078, 'instance'),
  },
  documentDbServerlessMinimumDcu: 0.5,
  fargateArm64Discount: 0.2,
  fargateSpotDiscount: 0.7,
};
