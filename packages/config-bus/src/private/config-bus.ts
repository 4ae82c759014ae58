import { SSMClient } from '@aws-sdk/client-ssm';
import { S3Client } from '@aws-sdk/client-s3';
import {
  CONFIG_BUS,
  serviceUrlKey,
  ssmPrefix,
  type ConfigBusEntry,
  type ConfigBusKey,
} from '@branch-env/core';
import { StaleCache } from './cache.js';
import { ConfigBusInputError, ServiceNotFoundError } from './errors.js';
import { checkedName, valueProblems } from './limits.js';
import { consoleLogger, type Logger } from './logger.js';
import type { RetryPolicy } from './retry.js';
import { s3Store, type ObjectStore } from './s3-store.js';
import { ssmStore, type ParameterType, type SsmStore, type StoredParameter } from './ssm-store.js';
import { createExperiments, type Experiments } from './experiments/experiments.js';

export interface ConfigBusOptions {
  /** The app of branch-env.config.json (`app`). */
  readonly app: string;
  /** The environment whose prefix `/<app>/<environment>/` this bus reads and writes. */
  readonly environment: string;
  /**
   * Environment that `serviceUrl` falls back to when this one does not publish the service
   * (`baseline` of branch-env.config.json). @default no fallback
   */
  readonly baseline?: string | undefined;
  /**
   * Keeps its own retry settings. @default new SSMClient({ region, maxAttempts: 1 }): the bus's
   * `retry` policy is then the only one
   */
  readonly client?: SSMClient | undefined;
  /** For experiment results too big for SSM. @default new S3Client({ region }) */
  readonly s3?: S3Client | undefined;
  /** Region of the clients created here. @default the SDK's (AWS_REGION, profile) */
  readonly region?: string | undefined;
  /** How long a value read is served without asking SSM again. @default 30_000 */
  readonly cacheTtlMs?: number | undefined;
  /** @default lines on stderr prefixed `[config-bus]` */
  readonly logger?: Logger | undefined;
  /** Retries of throttled/unreachable/5xx calls. @default 4 attempts, 100 ms doubling to 2 s, full jitter */
  readonly retry?: RetryPolicy | undefined;
  /** Clock for the cache (tests). @default Date.now */
  readonly now?: (() => number) | undefined;
}

/** A parameter read: found, or a typed not-found; `stale` when served from cache because SSM could not answer. */
export type GetResult =
  | {
      readonly found: true;
      readonly key: string;
      readonly name: string;
      readonly value: string;
      readonly type: ParameterType;
      readonly version: number;
      readonly stale: boolean;
    }
  | { readonly found: false; readonly key: string; readonly name: string; readonly stale: boolean };

export interface PathEntry {
  /** Key below the environment prefix. */
  readonly key: string;
  readonly name: string;
  readonly value: string;
  readonly type: ParameterType;
  readonly version: number;
}

export interface PathResult {
  readonly path: string;
  readonly parameters: readonly PathEntry[];
  readonly stale: boolean;
}

export interface PutOptions {
  /** Store as SecureString (KMS-encrypted with the account's `aws/ssm` key). @default false */
  readonly secure?: boolean;
  /** Replace an existing value; with false, an existing parameter is a `ParameterExistsError`. @default true */
  readonly overwrite?: boolean;
}

export interface ServiceUrl {
  readonly service: string;
  readonly url: string;
  /** The environment whose parameter answered: this one, or the baseline. */
  readonly environment: string;
  /** True when this environment does not publish the service and the baseline's URL is used. */
  readonly fallback: boolean;
  readonly stale: boolean;
  /** The parameter read. */
  readonly name: string;
}

/** Typed access to one catalogue entry (`CONFIG_BUS` of @branch-env/core). */
export interface CatalogueAccessor {
  readonly key: string;
  get(): Promise<GetResult>;
  put(value: string): Promise<{ key: string; name: string; version: number }>;
}

export interface ConfigBus {
  readonly app: string;
  readonly environment: string;
  readonly baseline: string | undefined;
  /** `/<app>/<environment>/` */
  readonly prefix: string;
  get(key: string): Promise<GetResult>;
  /** Every parameter below `path` (a key prefix; '' for the whole environment), all pages. */
  getByPath(path?: string): Promise<PathResult>;
  put(
    key: string,
    value: string,
    options?: PutOptions,
  ): Promise<{ key: string; name: string; version: number }>;
  delete(key: string): Promise<{ key: string; name: string; deleted: boolean }>;
  /** URL of `service` here, or in the baseline environment (visibly: log line + `fallback: true`). */
  serviceUrl(service: string): Promise<ServiceUrl>;
  /** One accessor per catalogue key, e.g. `bus.catalogue.dataBucket.get()`. */
  readonly catalogue: { readonly [K in ConfigBusKey]: CatalogueAccessor };
  /** Experiment records under `experiments/<id>/`. */
  readonly experiments: Experiments;
  /** A bus for another environment of the same app, sharing this one's clients, cache and logger. */
  environmentBus(environment: string, client?: SSMClient): ConfigBus;
}

/**
 * Typed access to one catalogue entry through `bus`: writes overwrite, and an entry marked
 * `secure` is stored as a SecureString. `bus.catalogue` holds one per `CONFIG_BUS` entry; a
 * service can make its own for keys it publishes.
 */
export function catalogueAccessor(
  bus: Pick<ConfigBus, 'get' | 'put'>,
  entry: ConfigBusEntry,
): CatalogueAccessor {
  return {
    key: entry.key,
    get: () => bus.get(entry.key),
    put: (value) => bus.put(entry.key, value, { secure: entry.secure ?? false, overwrite: true }),
  };
}

const SEGMENT = /^[A-Za-z0-9_.-]+$/;

function segmentProblems(what: string, value: string): string[] {
  if (!SEGMENT.test(value) || value === '.' || value === '..')
    return [`${what} '${value}' must be one path level of a-z A-Z 0-9 _ . -`];
  return [];
}

interface Shared {
  readonly cache: StaleCache;
  readonly logger: Logger;
  readonly options: ConfigBusOptions;
  readonly objects: () => ObjectStore;
  readonly stores: Map<SSMClient, SsmStore>;
  readonly defaultClient: () => SSMClient;
  /** Services last seen on the baseline (so the fallback is logged when it starts, not per call). */
  readonly fallbacks: Map<string, boolean>;
}

/**
 * The run-time client of the config bus: reads and writes `/<app>/<environment>/<key>` in SSM
 * Parameter Store, and nothing outside that prefix.
 */
export function createConfigBus(options: ConfigBusOptions): ConfigBus {
  let ssm: SSMClient | undefined = options.client;
  let objects: ObjectStore | undefined;
  const shared: Shared = {
    cache: new StaleCache(
      options.cacheTtlMs ?? 30_000,
      options.logger ?? consoleLogger,
      options.now,
    ),
    logger: options.logger ?? consoleLogger,
    options,
    stores: new Map(),
    fallbacks: new Map(),
    defaultClient: () =>
      (ssm ??= new SSMClient({
        ...(options.region ? { region: options.region } : {}),
        maxAttempts: 1,
      })),
    objects: () =>
      (objects ??= s3Store(
        options.s3 ??
          new S3Client({
            ...(options.region ? { region: options.region } : {}),
            // Local S3 stand-ins (tests, LocalStack, MinIO) answer path-style only.
            forcePathStyle: Boolean(
              process.env.AWS_ENDPOINT_URL_S3 ?? process.env.AWS_ENDPOINT_URL,
            ),
          }),
      )),
  };
  return busFor(shared, options.environment, undefined);
}

function busFor(shared: Shared, environment: string, client: SSMClient | undefined): ConfigBus {
  const { app, baseline } = shared.options;
  const problems = [
    ...segmentProblems('app', app),
    ...segmentProblems('environment', environment),
    ...(baseline === undefined ? [] : segmentProblems('baseline', baseline)),
  ];
  if (problems.length > 0) throw new ConfigBusInputError('config bus', problems);
  const prefix = ssmPrefix(app, environment);
  const { cache, logger } = shared;
  let experiments: Experiments | undefined;

  const store = (): SsmStore => {
    const c = client ?? shared.defaultClient();
    let s = shared.stores.get(c);
    if (!s) shared.stores.set(c, (s = ssmStore(c, shared.options.retry)));
    return s;
  };

  const nameOf = (key: string, pfx = prefix): string => {
    const checked = checkedName(pfx, key);
    if (checked.name === undefined)
      throw new ConfigBusInputError(
        `config bus key '${key}'`,
        checked.problems,
        `use a key relative to ${pfx}, e.g. 'payment/service-url'`,
      );
    return checked.name;
  };

  const readName = async (key: string, name: string): Promise<GetResult> => {
    const read = await cache.read(name, () => store().get(name));
    const p = read.value;
    return p
      ? {
          found: true,
          key,
          name,
          value: p.value,
          type: p.type,
          version: p.version,
          stale: read.stale,
        }
      : { found: false, key, name, stale: read.stale };
  };

  // The accessors are made while `bus` is being built: they reach it only when called.
  const self: Pick<ConfigBus, 'get' | 'put'> = {
    get: (key) => bus.get(key),
    put: (key, value, putOptions) => bus.put(key, value, putOptions),
  };
  const bus: ConfigBus = {
    app,
    environment,
    baseline,
    prefix,

    get: async (key) => readName(key, nameOf(key)),

    async getByPath(path = '') {
      const clean = path.replace(/\/+$/, '');
      const full = clean === '' ? prefix.slice(0, -1) : nameOf(clean);
      const read = await cache.read(`path:${full}/`, () => store().getByPath(full));
      return {
        path: full,
        stale: read.stale,
        parameters: read.value.map((p: StoredParameter) => ({
          key: p.name.slice(prefix.length),
          name: p.name,
          value: p.value,
          type: p.type,
          version: p.version,
        })),
      };
    },

    async put(key, value, putOptions = {}) {
      const name = nameOf(key);
      const vp = valueProblems(value);
      if (vp.length > 0)
        throw new ConfigBusInputError(
          `value of ${name}`,
          vp,
          'store large values in the environment bucket (storage/data-bucket) and put a pointer',
        );
      const secure = putOptions.secure ?? false;
      const { version } = await store().put(name, value, {
        secure,
        overwrite: putOptions.overwrite ?? true,
      });
      cache.invalidate(name);
      cache.set(name, {
        name,
        value,
        type: secure ? 'SecureString' : 'String',
        version,
      } satisfies StoredParameter);
      return { key, name, version };
    },

    async delete(key) {
      const name = nameOf(key);
      const deleted = await store().delete(name);
      cache.invalidate(name);
      cache.set(name, undefined);
      return { key, name, deleted };
    },

    async serviceUrl(service) {
      const sp = segmentProblems('service', service);
      if (sp.length > 0) throw new ConfigBusInputError('service name', sp);
      const key = serviceUrlKey(service);
      const own = await readName(key, nameOf(key));
      const was = shared.fallbacks.get(`${environment}/${service}`);
      if (own.found) {
        if (was === true)
          logger.info(
            `service '${service}': ${own.name} is published now; baseline no longer used`,
          );
        shared.fallbacks.set(`${environment}/${service}`, false);
        return {
          service,
          url: own.value,
          environment,
          fallback: false,
          stale: own.stale,
          name: own.name,
        };
      }
      if (baseline === undefined || baseline === environment)
        throw new ServiceNotFoundError(service, [own.name]);
      const baseName = nameOf(key, ssmPrefix(app, baseline));
      const base = await readName(key, baseName);
      if (!base.found) throw new ServiceNotFoundError(service, [own.name, baseName]);
      if (was !== true)
        logger.warn(
          `service '${service}': environment '${environment}' does not publish ${own.name}; falling back to baseline '${baseline}' (${base.value})`,
        );
      shared.fallbacks.set(`${environment}/${service}`, true);
      return {
        service,
        url: base.value,
        environment: baseline,
        fallback: true,
        stale: base.stale || own.stale,
        name: baseName,
      };
    },

    catalogue: Object.fromEntries(
      (Object.keys(CONFIG_BUS) as ConfigBusKey[]).map((k) => [
        k,
        catalogueAccessor(self, CONFIG_BUS[k]),
      ]),
    ) as { [K in ConfigBusKey]: CatalogueAccessor },

    get experiments() {
      return (experiments ??= createExperiments(bus, shared.objects));
    },

    environmentBus: (other, otherClient) => busFor(shared, other, otherClient ?? client),
  };
  return bus;
}
