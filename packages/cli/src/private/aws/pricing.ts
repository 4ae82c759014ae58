import { GetProductsCommand, PricingClient } from '@aws-sdk/client-pricing';
import type { CfnTemplate, Price, PriceKey, PriceTable } from '@branch-env/core';
import { rethrowAws } from '../aws-errors.js';
import type { Io } from '../io.js';
import { quietSdkWarnings } from './clients.js';
import { withRetry, type RetryOptions } from './retry.js';

/** Which Price List product answers one key of the price table (hourly on-demand prices only). */
interface PriceSpec {
  readonly serviceCode: string;
  readonly filters: Readonly<Record<string, string>>;
  /** The product's `usagetype` ends with this (usage types carry a region prefix: `USE1-`). */
  readonly usageTypeSuffix: string;
}

/** Rules as data: the table keys refreshed from the API. The others keep their dated values. */
const PRICE_SPECS: Partial<Record<PriceKey, PriceSpec>> = {
  natGateway: {
    serviceCode: 'AmazonEC2',
    filters: { productFamily: 'NAT Gateway' },
    usageTypeSuffix: 'NatGateway-Hours',
  },
  publicIpv4: { serviceCode: 'AmazonVPC', filters: {}, usageTypeSuffix: 'PublicIPv4:InUseAddress' },
  applicationLoadBalancer: {
    serviceCode: 'AWSELB',
    filters: { productFamily: 'Load Balancer-Application' },
    usageTypeSuffix: 'LoadBalancerUsage',
  },
  fargateVcpu: {
    serviceCode: 'AmazonECS',
    filters: {},
    usageTypeSuffix: 'Fargate-vCPU-Hours:perCPU',
  },
  fargateMemoryGb: { serviceCode: 'AmazonECS', filters: {}, usageTypeSuffix: 'Fargate-GB-Hours' },
};

interface PriceListItem {
  product?: { attributes?: Record<string, string> };
  terms?: {
    OnDemand?: Record<
      string,
      { priceDimensions?: Record<string, { unit?: string; pricePerUnit?: { USD?: string } }> }
    >;
  };
}

/** The on-demand USD price per hour of the first product whose usage type matches. Pure. */
export function hourlyPrice(
  priceList: readonly string[],
  usageTypeSuffix: string,
): number | undefined {
  for (const raw of priceList) {
    const item = JSON.parse(raw) as PriceListItem;
    const usage = item.product?.attributes?.usagetype ?? '';
    if (!usage.endsWith(usageTypeSuffix)) continue;
    for (const term of Object.values(item.terms?.OnDemand ?? {})) {
      for (const dim of Object.values(term.priceDimensions ?? {})) {
        const usd = Number(dim.pricePerUnit?.USD);
        if (Number.isFinite(usd) && usd > 0 && /^h(ou)?rs?$/i.test(dim.unit ?? '')) return usd;
      }
    }
  }
  return undefined;
}

async function products(
  client: PricingClient,
  spec: PriceSpec,
  region: string,
  retry?: RetryOptions,
): Promise<string[]> {
  const out: string[] = [];
  let token: string | undefined;
  let pages = 0;
  do {
    const page = await withRetry(
      () =>
        client.send(
          new GetProductsCommand({
            ServiceCode: spec.serviceCode,
            Filters: Object.entries({ regionCode: region, ...spec.filters }).map(
              ([Field, Value]) => ({
                Type: 'TERM_MATCH',
                Field,
                Value,
              }),
            ),
            FormatVersion: 'aws_v1',
            MaxResults: 100,
            NextToken: token,
          }),
        ),
      retry,
    );
    out.push(...(page.PriceList ?? []));
    token = page.NextToken;
  } while (token && ++pages < 20);
  return out;
}

/**
 * The provisioned DocumentDB instance classes templates use (`AWS::DocDB::DBInstance`
 * `DBInstanceClass` literals; Serverless is priced per DCU, not per instance). Pure.
 */
export function documentDbInstanceClasses(templates: readonly CfnTemplate[]): string[] {
  const classes = new Set<string>();
  for (const t of templates)
    for (const r of Object.values(t.Resources ?? {})) {
      const cls = (r.Properties as { DBInstanceClass?: unknown } | undefined)?.DBInstanceClass;
      if (r.Type === 'AWS::DocDB::DBInstance' && typeof cls === 'string' && cls !== 'db.serverless')
        classes.add(cls);
    }
  return [...classes].sort();
}

export interface RefreshPricesOptions {
  /** @default a PricingClient in us-east-1 (the Price List endpoint) */
  readonly client?: PricingClient;
  /** @default the standard retry policy */
  readonly retry?: RetryOptions;
  /** DocumentDB instance classes the templates use, refreshed besides the table's. @default [] */
  readonly documentDbClasses?: readonly string[];
}

/**
 * A price table with the keys in {@link PRICE_SPECS} and the DocumentDB instance classes (those
 * of the table and `documentDbClasses`, the ones the templates use) refreshed from the AWS Price
 * List API for `region`; keys the API does not answer keep the dated value (a class the table
 * lacks stays unpriced). Needs credentials (pricing:GetProducts); the endpoint lives in us-east-1.
 */
export async function refreshPrices(
  base: PriceTable,
  region: string,
  io: Io,
  options: RefreshPricesOptions = {},
): Promise<PriceTable> {
  quietSdkWarnings();
  const { retry, documentDbClasses = [] } = options;
  const client = options.client ?? new PricingClient({ region: 'us-east-1' });
  const prices: Record<string, Price> = { ...base.prices };
  const refreshed: string[] = [];
  try {
    for (const [key, spec] of Object.entries(PRICE_SPECS) as [PriceKey, PriceSpec][]) {
      const usd = hourlyPrice(await products(client, spec, region, retry), spec.usageTypeSuffix);
      if (usd === undefined) {
        io.err(
          `warning: no Price List answer for ${key} in ${region}; keeping ${base.date} price\n`,
        );
        continue;
      }
      prices[key] = { ...base.prices[key], usd, per: 'hour' };
      refreshed.push(key);
    }
    const documentDbInstances: Record<string, Price> = { ...base.documentDbInstances };
    const classes = new Set([...Object.keys(base.documentDbInstances), ...documentDbClasses]);
    for (const cls of [...classes].sort()) {
      const list = await products(
        client,
        {
          serviceCode: 'AmazonDocDB',
          filters: { instanceType: cls },
          usageTypeSuffix: `InstanceUsage:${cls}`,
        },
        region,
        retry,
      );
      const usd = hourlyPrice(list, `InstanceUsage:${cls}`);
      if (usd === undefined) {
        io.err(
          `warning: no Price List answer for DocumentDB ${cls} in ${region}; ${cls in base.documentDbInstances ? `keeping ${base.date} price` : 'it stays unpriced'}\n`,
        );
        continue;
      }
      documentDbInstances[cls] = { usd, per: 'hour', unit: 'instance' };
      refreshed.push(`documentDb ${cls}`);
    }
    const today = new Date().toISOString().slice(0, 10);
    return {
      ...base,
      date: today,
      region,
      source: `AWS Price List API ${today} (${refreshed.length} refreshed: ${refreshed.join(', ')}); others: ${base.source}`,
      prices: prices as Record<PriceKey, Price>,
      documentDbInstances,
    };
  } catch (error) {
    rethrowAws('--refresh-prices', error);
  }
}
