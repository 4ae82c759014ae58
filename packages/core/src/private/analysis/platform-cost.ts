import type { PlatformShape } from './capacity.js';
import type { CostEstimate, CostLine, UnpricedItem } from './cost-estimate.js';
import { PRICES_2026_11, type Price, type PriceTable } from './prices.js';

/**
 * Idle cost of an account platform per hour, from its configured shape and the dated price table:
 * what the account pays once, whatever the number of environments on it. Line items carry no
 * logical ids (the platform is priced from its configuration, not from a template).
 */
export function estimatePlatformCost(
  platform: PlatformShape,
  options: { readonly prices?: PriceTable } = {},
): CostEstimate {
  const table = options.prices ?? PRICES_2026_11;
  const p = table.prices;
  const hourly = (price: Price) =>
    price.per === 'hour' ? price.usd : price.usd / table.hoursPerMonth;
  const lines: CostLine[] = [];
  const unpriced: UnpricedItem[] = [];
  const line = (item: string, quantity: number, unit: string, unitPrice: number, note: string) => {
    const perHour = quantity * unitPrice;
    lines.push({
      item,
      logicalIds: [],
      quantity,
      unit,
      unitPricePerHour: unitPrice,
      perHour,
      perMonth: perHour * table.hoursPerMonth,
      note,
    });
  };
  const lbs = platform.loadBalancers ?? 1;
  const azs = platform.availabilityZones ?? 2;
  const nats = platform.natGateways ?? 0;
  line(
    'Application Load Balancer',
    lbs,
    'load balancer',
    hourly(p.applicationLoadBalancer),
    'shared by every environment of the account; LCUs ($0.008/LCU-hour) are usage-based',
  );
  line(
    'Public IPv4 (ALB, one per AZ)',
    lbs * azs,
    'address',
    hourly(p.publicIpv4),
    `internet-facing: one public IPv4 per availability zone (${azs}) per load balancer`,
  );
  if (nats > 0) {
    line(
      'NAT gateway',
      nats,
      'NAT gateway',
      hourly(p.natGateway),
      'data processed $0.045/GB is usage-based',
    );
    line(
      'Public IPv4 (NAT gateway)',
      nats,
      'address',
      hourly(p.publicIpv4),
      "each NAT gateway's Elastic IP",
    );
  }
  line(
    'Route 53 hosted zone (the account platform’s share)',
    1,
    'hosted zone',
    hourly(p.route53HostedZone),
    'the domain’s zone holds the wildcard record; queries are usage-based',
  );
  const docdb = platform.databases?.documentdb;
  if (docdb !== undefined) {
    if (docdb.instanceClass === 'db.serverless') {
      line(
        'DocumentDB Serverless (minimum DCU)',
        docdb.instances * table.documentDbServerlessMinimumDcu,
        'DCU',
        hourly(p.documentDbServerlessDcu),
        `shared cluster, ${docdb.instances} instance(s) at the ${table.documentDbServerlessMinimumDcu} DCU minimum`,
      );
    } else {
      const price = table.documentDbInstances[docdb.instanceClass];
      if (price === undefined)
        unpriced.push({
          logicalId: 'platform.databases.documentdb',
          type: 'AWS::DocDB::DBInstance',
          reason: `DocumentDB instance class ${docdb.instanceClass} is not in the price table`,
        });
      else
        line(
          `DocumentDB ${docdb.instanceClass} instance (shared cluster)`,
          docdb.instances,
          'instance',
          hourly(price),
          'storage $0.10/GB-month and I/O $0.20/1M are usage-based',
        );
    }
  }
  const aurora = platform.databases?.auroraPostgres;
  if (aurora !== undefined) {
    line(
      'Aurora Serverless v2 (minimum ACU, shared cluster)',
      aurora.minCapacity,
      'ACU',
      hourly(p.auroraServerlessV2Acu),
      aurora.minCapacity === 0
        ? '0 ACU: $0 while paused; any connection (a readiness probe) resumes and bills it'
        : 'billed for the minimum ACU while idle',
    );
  }
  line(
    'ECS cluster, ECR repositories, wildcard certificate and DNS record',
    1,
    'platform',
    0,
    'no standing charge: Fargate bills per task (in each environment), ECR $0.10/GB-month stored',
  );
  const perHour = lines.reduce((sum, l) => sum + l.perHour, 0);
  return {
    perHour,
    perMonth: perHour * table.hoursPerMonth,
    lines,
    unpriced,
    priceTable: { date: table.date, source: table.source },
  };
}
