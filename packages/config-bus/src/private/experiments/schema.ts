import { z } from 'zod';

/**
 * The experiment record an agent (or a person) keeps under `/<app>/<env>/experiments/<id>/`:
 *
 * | key | value |
 * |---|---|
 * | `hypothesis` | plain text |
 * | `configuration` | JSON {@link ExperimentConfiguration}: metrics, threshold, baseline, settings |
 * | `results` | JSON {@link StoredResults}: metrics inline; the full file in S3 when it is too big |
 * | `decision` | JSON {@link Decision}: promote or archive, why, and the evaluation it was made on |
 *
 * `/<app>/<env>/experiments/reference/results` holds an environment's reference measurement,
 * which experiments on other branches compare against when they name it as their baseline.
 */
export const EXPERIMENT_KEYS = ['hypothesis', 'configuration', 'results', 'decision'] as const;
export type ExperimentKey = (typeof EXPERIMENT_KEYS)[number];

/** Key prefix of all experiments of an environment. */
export const EXPERIMENTS_PATH = 'experiments';
/** The id under which an environment's reference measurement is kept. */
export const REFERENCE_ID = 'reference';

export const EXPERIMENT_ID_PATTERN = /^[a-z0-9][a-z0-9-]{0,62}$/;
export const METRIC_NAME_PATTERN = /^[A-Za-z][A-Za-z0-9_.]{0,63}$/;

export const ExperimentIdSchema = z
  .string()
  .regex(
    EXPERIMENT_ID_PATTERN,
    'an experiment id is 1-63 of a-z 0-9 -, starting with a letter or digit',
  )
  .refine((id) => id !== REFERENCE_ID, `'${REFERENCE_ID}' is reserved for reference results`);

const MetricNameSchema = z
  .string()
  .regex(METRIC_NAME_PATTERN, 'a metric name is a letter then up to 63 of A-Z a-z 0-9 _ .');

/** An amount of change: `5%` (relative to the baseline value) or `0.01` (in the metric's unit). */
export const AmountSchema = z.object({
  kind: z.enum(['relative', 'absolute']),
  value: z.number().finite().nonnegative(),
});
export type Amount = z.infer<typeof AmountSchema>;

const DirectionSchema = z.enum(['lower', 'higher']);
export type Direction = z.infer<typeof DirectionSchema>;

/**
 * A metric the experiment measures. `primary`: the one it tries to improve (exactly one);
 * `guard`: must not regress beyond `tolerance`; `secondary`: reported, never decisive.
 */
export const MetricSpecSchema = z.object({
  name: MetricNameSchema,
  direction: DirectionSchema,
  role: z.enum(['primary', 'secondary', 'guard']),
  tolerance: AmountSchema.optional(),
});
export type MetricSpec = z.infer<typeof MetricSpecSchema>;

const isoTime = z.iso.datetime();

export const ExperimentConfigurationSchema = z
  .object({
    schema: z.literal(1),
    id: ExperimentIdSchema,
    branch: z.string().min(1),
    environment: z.string().min(1),
    baseline: z.object({
      environment: z.string().min(1),
      branch: z.string().min(1).nullable(),
      region: z.string().min(1),
    }),
    metrics: z.array(MetricSpecSchema).min(1),
    /** Least improvement of the primary metric that promotes. */
    threshold: AmountSchema,
    /** What the experiment changes, e.g. `{ "cache.size": "128" }`. */
    settings: z.record(z.string(), z.string()),
    startedAt: isoTime,
  })
  .superRefine((c, ctx) => {
    const primaries = c.metrics.filter((m) => m.role === 'primary').length;
    if (primaries !== 1)
      ctx.addIssue({
        code: 'custom',
        path: ['metrics'],
        message: `needs exactly one primary metric, has ${primaries}`,
      });
    const names = c.metrics.map((m) => m.name);
    const dup = names.filter((n, i) => names.indexOf(n) !== i);
    if (dup.length > 0)
      ctx.addIssue({
        code: 'custom',
        path: ['metrics'],
        message: `metric ${[...new Set(dup)].join(', ')} is declared twice`,
      });
    for (const [i, m] of c.metrics.entries()) {
      if (m.role === 'guard' && !m.tolerance)
        ctx.addIssue({
          code: 'custom',
          path: ['metrics', i],
          message: 'a guard needs a tolerance',
        });
    }
  });
export type ExperimentConfiguration = z.infer<typeof ExperimentConfigurationSchema>;

/** The results file an agent records (`--results results.json`). */
export const ResultsFileSchema = z.strictObject({
  /** Measured value of each metric, in the metric's unit. */
  metrics: z.record(MetricNameSchema, z.number().finite()),
  /** One line on how it was measured. */
  notes: z.string().max(1000).optional(),
  /** Anything else (samples, histograms): kept, stored in S3 when it does not fit in SSM. */
  details: z.unknown().optional(),
});
export type ResultsFile = z.infer<typeof ResultsFileSchema>;

/** Where the full results file went when it did not fit in a parameter. */
const ObjectPointerSchema = z.object({
  bucket: z.string().min(3),
  key: z.string().min(1),
  bytes: z.number().int().positive(),
  sha256: z.string().regex(/^[0-9a-f]{64}$/),
});
export type ObjectPointer = z.infer<typeof ObjectPointerSchema>;

export const StoredResultsSchema = z.object({
  schema: z.literal(1),
  recordedAt: isoTime,
  metrics: z.record(z.string(), z.number().finite()),
  notes: z.string().optional(),
  details: z.unknown().optional(),
  /** Set when the file was too big for SSM: the full file is this S3 object. */
  object: ObjectPointerSchema.optional(),
});
export type StoredResults = z.infer<typeof StoredResultsSchema>;

const DecisionKindSchema = z.enum(['promote', 'archive']);
export type DecisionKind = z.infer<typeof DecisionKindSchema>;

export const DecisionSchema = z.object({
  schema: z.literal(1),
  decision: DecisionKindSchema,
  reason: z.string().min(1).max(1000),
  decidedAt: isoTime,
  /** What the decision helper recommended, when results could be compared; else null. */
  recommendation: DecisionKindSchema.nullable(),
  /** The decision goes against the recommendation (made with --force). */
  overridden: z.boolean(),
  evaluation: z.unknown().nullable(),
});
export type Decision = z.infer<typeof DecisionSchema>;

export type ExperimentStatus = 'started' | 'measured' | 'promoted' | 'archived';

/** An experiment as read back from the bus. */
export interface ExperimentRecord {
  readonly id: string;
  readonly environment: string;
  readonly status: ExperimentStatus;
  readonly hypothesis?: string | undefined;
  readonly configuration?: ExperimentConfiguration | undefined;
  readonly results?: StoredResults | undefined;
  readonly decision?: Decision | undefined;
  /** Stored parameters that do not parse (written by hand or by another version). */
  readonly problems: readonly string[];
}

/** `a.b[2].c: message` lines of a zod error. */
export function zodProblems(error: z.ZodError): string[] {
  return error.issues.map((i) => {
    const path = i.path.map((p) => (typeof p === 'number' ? `[${p}]` : `.${String(p)}`)).join('');
    return `${path ? `${path.replace(/^\./, '')}: ` : ''}${i.message}`;
  });
}

/** Parse `5%` (relative) or `0.01` (absolute). */
export function parseAmount(text: string): Amount | undefined {
  const m = /^(\d+(?:\.\d+)?)(%)?$/.exec(text.trim());
  if (!m) return undefined;
  const n = Number(m[1]);
  return m[2] ? { kind: 'relative', value: n / 100 } : { kind: 'absolute', value: n };
}

export function formatAmount(a: Amount): string {
  return a.kind === 'relative' ? `${+(a.value * 100).toPrecision(12)}%` : `${a.value}`;
}

/**
 * Parse `name:lower|higher` (primary/secondary) or `name:lower|higher:<tolerance>` (guard) into a
 * metric spec, or return the problem.
 */
export function parseMetricSpec(
  text: string,
  role: MetricSpec['role'],
): { spec: MetricSpec } | { problem: string } {
  const parts = text.split(':');
  const form =
    role === 'guard' ? '<name>:lower|higher:<tolerance, e.g. 0.01 or 2%>' : '<name>:lower|higher';
  const expected = role === 'guard' ? 3 : 2;
  if (parts.length !== expected) return { problem: `'${text}' is not ${form}` };
  const [name = '', direction = '', tol] = parts;
  if (!METRIC_NAME_PATTERN.test(name))
    return {
      problem: `'${name}' in '${text}' is not a metric name (a letter then A-Z a-z 0-9 _ .)`,
    };
  if (direction !== 'lower' && direction !== 'higher')
    return { problem: `'${direction}' in '${text}' must be lower or higher (which is better)` };
  if (role !== 'guard') return { spec: { name, direction, role } };
  const tolerance = parseAmount(tol ?? '');
  if (!tolerance)
    return { problem: `tolerance '${tol}' in '${text}' is not a number or a percentage` };
  return { spec: { name, direction, role, tolerance } };
}
