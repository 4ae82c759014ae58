import type { z } from 'zod';
import { AccountSchema, ConfigSchema, ProfileSchema, RuleSchema } from './schema.js';
import type { Account, Config, Profile, Rule } from './schema.js';
import { JobSchema, ServiceSchema, SiteSchema } from './services.js';
import type { JobConfig, ServiceConfig, SiteConfig } from './services.js';

/** Key of the set of fields that failed the schema, on a {@link Salvaged} object. */
const INVALID: unique symbol = Symbol('fields that failed the schema');

/**
 * An object as far as it parsed: every field that passed its schema (defaults applied), and under
 * {@link INVALID} the names of the fields that did not. A parsed object has no such set.
 */
export type Salvaged<T> = { readonly [K in keyof T]?: T[K] | undefined } & {
  readonly [INVALID]?: ReadonlySet<string>;
};

/**
 * What the cross-checks of `validate.ts` read: the parsed config, or — when the schema failed —
 * every part of the raw file that did parse, so that they still report their problems. A check
 * draws conclusions only from fields that are {@link known}: a field that failed the schema is
 * not taken for an absent one.
 */
export interface ConfigView {
  readonly app?: string | undefined;
  readonly accounts: Readonly<Record<string, Salvaged<Account>>>;
  readonly profiles: Readonly<Record<string, Salvaged<Profile>>>;
  readonly defaults: Salvaged<Config['defaults']>;
  readonly rules: readonly Salvaged<Rule>[];
  readonly baseline?: string | undefined;
  /** Undefined when the config declares none (the sample service) or `services` is not an object. */
  readonly services?: Readonly<Record<string, Salvaged<ServiceConfig>>> | undefined;
  readonly jobs?: Readonly<Record<string, Salvaged<JobConfig>>> | undefined;
  readonly site?: Salvaged<SiteConfig> | undefined;
  readonly cdk?: Config['cdk'];
  /**
   * `rules` is here when there are none, or a rule is not an object or its `branch`, `account` or
   * `environment` failed: which rule a branch routes to, and the name it gets there, would be a
   * guess. (Another field that failed, say `ttlHours`, changes neither.)
   */
  readonly [INVALID]?: ReadonlySet<string>;
}

/** Whether `field` of `value` passed the schema (always true for a parsed config). */
export function known(value: { readonly [INVALID]?: ReadonlySet<string> }, field: string): boolean {
  return !value[INVALID]?.has(field);
}

/** The entry of `record` under `key`, own properties only (`constructor` is no account). */
export function entryOf<T>(
  record: Readonly<Record<string, T>>,
  key: string | undefined,
): T | undefined {
  return key !== undefined && Object.hasOwn(record, key) ? record[key] : undefined;
}

function isObject(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

function salvageObject<S extends z.ZodObject>(schema: S, raw: unknown): Salvaged<z.output<S>> {
  const whole = schema.safeParse(raw);
  if (whole.success) return whole.data as Salvaged<z.output<S>>;
  const out: Record<string, unknown> = {};
  const invalid = new Set<string>();
  for (const [field, fieldSchema] of Object.entries(schema.shape as Record<string, z.ZodType>)) {
    const parsed = isObject(raw) ? fieldSchema.safeParse(raw[field]) : undefined;
    if (parsed?.success) {
      if (parsed.data !== undefined) out[field] = parsed.data;
    } else invalid.add(field);
  }
  return Object.assign(out, { [INVALID]: invalid }) as unknown as Salvaged<z.output<S>>;
}

function salvageRecord<S extends z.ZodObject>(
  schema: S,
  raw: unknown,
): Record<string, Salvaged<z.output<S>>> {
  if (!isObject(raw)) return {};
  return Object.fromEntries(Object.entries(raw).map(([k, v]) => [k, salvageObject(schema, v)]));
}

/** The parts of a raw config object that pass the schema, for checks after a schema failure. */
export function salvageConfig(raw: unknown): ConfigView {
  const top = isObject(raw) ? raw : {};
  const invalid = new Set<string>();
  const field = <T>(name: string, schema: z.ZodType<T>): T | undefined => {
    const parsed = schema.safeParse(top[name]);
    if (parsed.success) return parsed.data;
    invalid.add(name);
    return undefined;
  };
  const shape = ConfigSchema.shape;
  const rawRules: unknown[] = Array.isArray(top.rules) ? top.rules : [];
  const rules = rawRules.map((r) => salvageObject(RuleSchema, r));
  const routingFields = ['branch', 'account', 'environment'];
  if (
    rules.length === 0 ||
    rawRules.some((r) => !isObject(r)) ||
    rules.some((r) => routingFields.some((f) => !known(r, f)))
  )
    invalid.add('rules');
  if (!isObject(top.accounts)) invalid.add('accounts');
  if (!isObject(top.profiles)) invalid.add('profiles');
  if (top.services !== undefined && !isObject(top.services)) invalid.add('services');
  return {
    app: field('app', shape.app),
    accounts: salvageRecord(AccountSchema, top.accounts),
    profiles: salvageRecord(ProfileSchema, top.profiles),
    defaults: salvageObject(shape.defaults, top.defaults),
    rules,
    baseline: field('baseline', shape.baseline),
    services: isObject(top.services) ? salvageRecord(ServiceSchema, top.services) : undefined,
    jobs: isObject(top.jobs) ? salvageRecord(JobSchema, top.jobs) : undefined,
    site: top.site === undefined ? undefined : salvageObject(SiteSchema, top.site),
    cdk: field('cdk', shape.cdk),
    [INVALID]: invalid,
  };
}
