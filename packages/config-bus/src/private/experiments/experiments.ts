import { createHash } from 'node:crypto';
import { CONFIG_BUS, UserError } from '@branch-env/core';
import type { ConfigBus } from '../config-bus.js';
import { ConfigBusInputError } from '../errors.js';
import { SSM_LIMITS, valueBytes, valueProblems } from '../limits.js';
import type { ObjectStore } from '../s3-store.js';
import { evaluateExperiment, type Evaluation } from './decide.js';
import {
  DecisionSchema,
  EXPERIMENTS_PATH,
  EXPERIMENT_KEYS,
  ExperimentConfigurationSchema,
  ExperimentIdSchema,
  REFERENCE_ID,
  ResultsFileSchema,
  StoredResultsSchema,
  zodProblems,
  type Amount,
  type Decision,
  type DecisionKind,
  type ExperimentConfiguration,
  type ExperimentKey,
  type ExperimentRecord,
  type MetricSpec,
  type StoredResults,
} from './schema.js';

/** Least improvement of the primary metric that promotes, unless the experiment says otherwise. */
export const DEFAULT_THRESHOLD: Amount = { kind: 'relative', value: 0.05 };

export interface StartExperimentInput {
  /** @default `<yyyymmdd>-<hhmmss>` of `now` (UTC) */
  readonly id?: string | undefined;
  readonly branch: string;
  readonly hypothesis: string;
  /** Exactly one `primary`; `guard`s with a tolerance; `secondary` ones are reported only. */
  readonly metrics: readonly MetricSpec[];
  /** @default 5% */
  readonly threshold?: Amount | undefined;
  readonly baseline: ExperimentConfiguration['baseline'];
  /** What the experiment changes (`--set key=value`). @default {} */
  readonly settings?: Readonly<Record<string, string>> | undefined;
  readonly now?: Date | undefined;
}

/** An experiment compared with its baseline environment's reference results. */
export interface Comparison {
  readonly experiment: ExperimentRecord;
  readonly configuration: ExperimentConfiguration;
  readonly results: StoredResults;
  readonly reference: StoredResults;
  readonly evaluation: Evaluation;
}

export interface DecideOptions {
  /** Record a decision that goes against the helper's recommendation, or promote without one. */
  readonly force?: boolean | undefined;
  /** Bus of the baseline environment (when it needs other credentials or region). */
  readonly baselineBus?: ConfigBus | undefined;
  readonly now?: Date | undefined;
}

export interface RecordOptions {
  readonly now?: Date | undefined;
}

/** Experiment records of one environment. */
export interface Experiments {
  /** Every experiment of the environment, oldest id first (the reference measurement excluded). */
  list(): Promise<ExperimentRecord[]>;
  get(id: string): Promise<ExperimentRecord | undefined>;
  /**
   * The experiment `id`, or without it the one still undecided (with `latest`, else the one started
   * last). Throws a UserError when there is none (or several undecided ones and no id).
   */
  current(id?: string, options?: { readonly latest?: boolean }): Promise<ExperimentRecord>;
  /** Validate everything, then write `hypothesis` and `configuration`. */
  start(input: StartExperimentInput): Promise<ExperimentRecord>;
  /**
   * Validate the results file (JSON text or parsed) against the experiment, then write `results`;
   * a file too big for SSM goes to the environment's data bucket with a pointer in `results`.
   */
  record(
    id: string | undefined,
    file: string | unknown,
    options?: RecordOptions,
  ): Promise<{ experiment: ExperimentRecord; results: StoredResults }>;
  /** The environment's reference results (`experiments/reference/results`), if recorded. */
  reference(): Promise<StoredResults | undefined>;
  /** Record the environment's reference results, which experiments elsewhere compare against. */
  recordReference(file: string | unknown, options?: RecordOptions): Promise<StoredResults>;
  /**
   * Change per metric against the baseline environment's reference results (of experiment `id`,
   * else the undecided one, else the one started last).
   */
  compare(id?: string, baselineBus?: ConfigBus): Promise<Comparison>;
  /** Record the decision; it must agree with the helper's recommendation unless `force`. */
  decide(
    id: string | undefined,
    decision: DecisionKind,
    reason: string,
    options?: DecideOptions,
  ): Promise<{ experiment: ExperimentRecord; decision: Decision }>;
}

function compactTime(d: Date): string {
  return d
    .toISOString()
    .replace(/\.\d+Z$/, '')
    .replace(/[-:]/g, '')
    .replace('T', '-');
}

function parseJson(text: string, what: string): unknown {
  try {
    return JSON.parse(text);
  } catch (e) {
    throw new ConfigBusInputError(what, [`is not JSON: ${(e as Error).message}`]);
  }
}

/** Group `experiments/<id>/<key>` parameters into records. */
export function experimentRecords(
  environment: string,
  parameters: readonly { key: string; value: string }[],
): ExperimentRecord[] {
  const byId = new Map<string, Partial<Record<ExperimentKey, string>>>();
  for (const p of parameters) {
    const m = /^experiments\/([^/]+)\/([^/]+)$/.exec(p.key);
    if (!m || !(EXPERIMENT_KEYS as readonly string[]).includes(m[2] ?? '')) continue;
    const id = m[1] ?? '';
    const fields = byId.get(id) ?? {};
    fields[m[2] as ExperimentKey] = p.value;
    byId.set(id, fields);
  }
  const records: ExperimentRecord[] = [];
  for (const [id, f] of [...byId].sort(([a], [b]) => a.localeCompare(b))) {
    if (id === REFERENCE_ID) continue;
    const problems: string[] = [];
    const parse = <T>(
      field: ExperimentKey,
      schema: {
        safeParse(v: unknown): { success: true; data: T } | { success: false; error: unknown };
      },
    ): T | undefined => {
      const text = f[field];
      if (text === undefined) return undefined;
      let json: unknown;
      try {
        json = JSON.parse(text);
      } catch {
        problems.push(`${field} is not JSON`);
        return undefined;
      }
      const r = schema.safeParse(json);
      if (r.success) return r.data;
      problems.push(
        `${field}: ${zodProblems(r.error as Parameters<typeof zodProblems>[0]).join('; ')}`,
      );
      return undefined;
    };
    const configuration = parse('configuration', ExperimentConfigurationSchema);
    const results = parse('results', StoredResultsSchema);
    const decision = parse('decision', DecisionSchema);
    if (f.configuration === undefined) problems.push('configuration is missing');
    records.push({
      id,
      environment,
      status: decision
        ? decision.decision === 'promote'
          ? 'promoted'
          : 'archived'
        : results
          ? 'measured'
          : 'started',
      hypothesis: f.hypothesis,
      configuration,
      results,
      decision,
      problems,
    });
  }
  return records;
}

/** Parse and check a results file against the experiment's declared metrics. */
export function parseResultsFile(
  file: string | unknown,
  metrics: readonly MetricSpec[] | undefined,
): { text: string; results: ReturnType<typeof ResultsFileSchema.parse> } {
  const text = typeof file === 'string' ? file : JSON.stringify(file);
  const json = typeof file === 'string' ? parseJson(file, 'results file') : file;
  const parsed = ResultsFileSchema.safeParse(json);
  if (!parsed.success)
    throw new ConfigBusInputError(
      'results file',
      zodProblems(parsed.error),
      'write {"metrics": {"<name>": <number>, …}, "notes"?: "…", "details"?: …}',
    );
  const missing = (metrics ?? [])
    .map((m) => m.name)
    .filter((n) => parsed.data.metrics[n] === undefined);
  if (missing.length > 0)
    throw new ConfigBusInputError(
      'results file',
      missing.map((n) => `metrics.${n} is missing (the experiment declares it)`),
    );
  return { text, results: parsed.data };
}

/**
 * What to store for a results file: inline when it fits in one parameter, else the whole file as
 * an S3 object and the metrics with a pointer in the parameter. Pure.
 */
export function planResults(
  text: string,
  results: ReturnType<typeof ResultsFileSchema.parse>,
  recordedAt: string,
  objectKey: string,
  bucket: () => string | undefined,
): { stored: StoredResults; object?: { bucket: string; key: string; body: string } } {
  const inline: StoredResults = { schema: 1, recordedAt, ...results };
  if (valueBytes(JSON.stringify(inline)) <= SSM_LIMITS.valueBytes) return { stored: inline };
  const summary = {
    schema: 1 as const,
    recordedAt,
    metrics: results.metrics,
    ...(results.notes === undefined ? {} : { notes: results.notes }),
  };
  const tooBig = (bytes: number): ConfigBusInputError =>
    new ConfigBusInputError('results file', [
      `metrics and notes take ${bytes} bytes with the S3 pointer; they must fit in one ${SSM_LIMITS.valueBytes}-byte parameter (record fewer metrics or shorter notes; put the rest under "details")`,
    ]);
  // Largest pointer to this key: a 63-character bucket name, 64 hex digits, a 13-digit size.
  const largestPointer = valueBytes(
    JSON.stringify({
      object: { bucket: 'b'.repeat(63), key: objectKey, bytes: 1e12, sha256: '0'.repeat(64) },
    }),
  );
  const summaryBytes = valueBytes(JSON.stringify(summary));
  if (summaryBytes + largestPointer > SSM_LIMITS.valueBytes)
    throw tooBig(summaryBytes + largestPointer);
  const name = bucket();
  if (!name)
    throw new ConfigBusInputError('results file', [
      `is ${valueBytes(text)} bytes, more than an SSM parameter holds (${SSM_LIMITS.valueBytes}), and the environment publishes no data bucket (${CONFIG_BUS.dataBucket.key}) to put it in`,
    ]);
  const object = {
    bucket: name,
    key: objectKey,
    bytes: valueBytes(text),
    sha256: createHash('sha256').update(text, 'utf8').digest('hex'),
  };
  const stored = { ...summary, object };
  const storedBytes = valueBytes(JSON.stringify(stored));
  if (storedBytes > SSM_LIMITS.valueBytes) throw tooBig(storedBytes);
  return { stored, object: { bucket: name, key: objectKey, body: text } };
}

export function createExperiments(bus: ConfigBus, objects: () => ObjectStore): Experiments {
  const keyOf = (id: string, field: ExperimentKey): string => `${EXPERIMENTS_PATH}/${id}/${field}`;

  const readAll = async (): Promise<ExperimentRecord[]> => {
    const { parameters } = await bus.getByPath(EXPERIMENTS_PATH);
    return experimentRecords(bus.environment, parameters);
  };

  const checkId = (id: string): void => {
    const r = ExperimentIdSchema.safeParse(id);
    if (!r.success) throw new ConfigBusInputError(`experiment id '${id}'`, zodProblems(r.error));
  };

  const unknown = (id: string, known: readonly ExperimentRecord[]): UserError =>
    new UserError(
      `no experiment '${id}' in environment ${bus.environment}`,
      known.length > 0
        ? `known experiments: ${known.map((e) => e.id).join(', ')}`
        : 'start one with `branch-env experiment start <branch> --hypothesis … --metric <name>:lower|higher`',
    );

  const current = async (
    id?: string,
    options: { readonly latest?: boolean } = {},
  ): Promise<ExperimentRecord> => {
    const all = await readAll();
    if (id !== undefined) {
      checkId(id);
      const found = all.find((e) => e.id === id);
      if (!found) throw unknown(id, all);
      return found;
    }
    const open = all.filter((e) => !e.decision);
    if (open.length === 1 && open[0]) return open[0];
    const last = [...all]
      .filter((e) => e.configuration)
      .sort((a, b) =>
        (a.configuration?.startedAt ?? '').localeCompare(b.configuration?.startedAt ?? ''),
      )
      .pop();
    if (open.length === 0 && options.latest && last) return last;
    if (open.length === 0)
      throw new UserError(
        `environment ${bus.environment} has no undecided experiment`,
        all.length > 0
          ? `name a decided one with --id (${all.map((e) => e.id).join(', ')}) or start a new one`
          : 'start one with `branch-env experiment start <branch> --hypothesis … --metric <name>:lower|higher`',
      );
    throw new UserError(
      `environment ${bus.environment} has ${open.length} undecided experiments (${open.map((e) => e.id).join(', ')})`,
      'name one with --id',
    );
  };

  const readReference = async (target: ConfigBus): Promise<StoredResults | undefined> => {
    const r = await target.get(keyOf(REFERENCE_ID, 'results'));
    if (!r.found) return undefined;
    const parsed = StoredResultsSchema.safeParse(parseJson(r.value, r.name));
    if (!parsed.success)
      throw new ConfigBusInputError(
        r.name,
        zodProblems(parsed.error),
        'record the reference again',
      );
    return parsed.data;
  };

  const writeResults = async (
    id: string,
    file: string | unknown,
    metrics: readonly MetricSpec[] | undefined,
    now: Date,
  ): Promise<StoredResults> => {
    const { text, results } = parseResultsFile(file, metrics);
    let bucket: string | undefined;
    const objectKey = `${EXPERIMENTS_PATH}/${id}/results.json`;
    const needsBucket =
      valueBytes(JSON.stringify({ schema: 1, recordedAt: now.toISOString(), ...results })) >
      SSM_LIMITS.valueBytes;
    if (needsBucket) {
      const b = await bus.catalogue.dataBucket.get();
      bucket = b.found ? b.value : undefined;
    }
    const plan = planResults(text, results, now.toISOString(), objectKey, () => bucket);
    const value = JSON.stringify(plan.stored);
    const vp = valueProblems(value);
    if (vp.length > 0) throw new ConfigBusInputError('results', vp);
    // Everything is valid: now write (the object first, so the pointer never dangles).
    if (plan.object) await objects().put(plan.object.bucket, plan.object.key, plan.object.body);
    await bus.put(keyOf(id, 'results'), value, { overwrite: true });
    return plan.stored;
  };

  const compare = async (id?: string, baselineBus?: ConfigBus): Promise<Comparison> => {
    const experiment = await current(id, { latest: true });
    const configuration = experiment.configuration;
    if (!configuration)
      throw new UserError(
        `experiment ${experiment.id} has no readable configuration (${experiment.problems.join('; ')})`,
      );
    if (!experiment.results)
      throw new UserError(
        `experiment ${experiment.id} has no results yet`,
        `record them: branch-env experiment record ${configuration.branch} --results results.json`,
      );
    const target = baselineBus ?? bus.environmentBus(configuration.baseline.environment);
    const reference = await readReference(target);
    if (!reference)
      throw new UserError(
        `baseline environment ${configuration.baseline.environment} has no reference results to compare with`,
        `measure the baseline and record them: branch-env experiment record ${configuration.baseline.branch ?? configuration.baseline.environment} --reference --results baseline.json`,
      );
    const evaluation = evaluateExperiment({
      metrics: configuration.metrics,
      threshold: configuration.threshold,
      baseline: reference.metrics,
      candidate: experiment.results.metrics,
    });
    return { experiment, configuration, results: experiment.results, reference, evaluation };
  };

  return {
    list: readAll,
    get: async (id) => (await readAll()).find((e) => e.id === id),
    current,

    async start(input) {
      const now = input.now ?? new Date();
      const id = input.id ?? compactTime(now);
      const problems: string[] = [];
      const idCheck = ExperimentIdSchema.safeParse(id);
      if (!idCheck.success) problems.push(...zodProblems(idCheck.error).map((p) => `id: ${p}`));
      const configuration = {
        schema: 1 as const,
        id,
        branch: input.branch,
        environment: bus.environment,
        baseline: input.baseline,
        metrics: [...input.metrics],
        threshold: input.threshold ?? DEFAULT_THRESHOLD,
        settings: { ...(input.settings ?? {}) },
        startedAt: now.toISOString(),
      };
      const parsed = ExperimentConfigurationSchema.safeParse(configuration);
      if (!parsed.success) problems.push(...zodProblems(parsed.error));
      if (input.hypothesis.trim().length === 0) problems.push('hypothesis: is empty');
      problems.push(...valueProblems(input.hypothesis).map((p) => `hypothesis: ${p}`));
      const configText = JSON.stringify(configuration);
      problems.push(...valueProblems(configText).map((p) => `configuration: ${p}`));
      if (problems.length > 0) throw new ConfigBusInputError(`experiment ${id}`, problems);
      const all = await readAll();
      if (all.some((e) => e.id === id))
        throw new UserError(
          `experiment ${id} already exists in environment ${bus.environment}`,
          'choose another --id',
        );
      const open = all.filter((e) => !e.decision);
      if (open.length > 0)
        throw new UserError(
          `environment ${bus.environment} already runs experiment ${open.map((e) => e.id).join(', ')}, still undecided`,
          `decide it first: branch-env experiment decide ${input.branch} promote|archive --reason "…"`,
        );
      await bus.put(keyOf(id, 'hypothesis'), input.hypothesis, { overwrite: false });
      await bus.put(keyOf(id, 'configuration'), configText, { overwrite: false });
      return {
        id,
        environment: bus.environment,
        status: 'started',
        hypothesis: input.hypothesis,
        configuration: parsed.data,
        problems: [],
      };
    },

    async record(id, file, options = {}) {
      const experiment = await current(id);
      if (experiment.decision)
        throw new UserError(
          `experiment ${experiment.id} was decided (${experiment.decision.decision}); its results are final`,
          'start a new experiment to measure again',
        );
      if (!experiment.configuration)
        throw new UserError(
          `experiment ${experiment.id} has no readable configuration (${experiment.problems.join('; ')})`,
        );
      const results = await writeResults(
        experiment.id,
        file,
        experiment.configuration.metrics,
        options.now ?? new Date(),
      );
      return { experiment: { ...experiment, status: 'measured', results }, results };
    },

    reference: () => readReference(bus),

    recordReference: (file, options = {}) =>
      writeResults(REFERENCE_ID, file, undefined, options.now ?? new Date()),

    compare,

    async decide(id, decision, reason, options = {}) {
      const experiment = await current(id);
      if (experiment.decision)
        throw new UserError(
          `experiment ${experiment.id} is already decided: ${experiment.decision.decision} (${experiment.decision.reason})`,
        );
      const problems: string[] = [];
      if (reason.trim().length === 0) problems.push('reason: is empty');
      if (reason.length > 1000) problems.push('reason: is longer than 1000 characters');
      if (problems.length > 0) throw new ConfigBusInputError('decision', problems);
      let comparison: Comparison | undefined;
      let why = '';
      try {
        comparison = await compare(experiment.id, options.baselineBus);
      } catch (error) {
        if (!(error instanceof UserError)) throw error;
        why = error.message;
      }
      const recommendation = comparison?.evaluation.recommendation ?? null;
      const force = options.force ?? false;
      if (decision === 'promote' && !comparison && !force)
        throw new UserError(
          `cannot promote experiment ${experiment.id} without an evaluation: ${why}`,
          'record results (and the baseline reference), or pass --force to promote anyway',
        );
      if (recommendation !== null && recommendation !== decision && !force)
        throw new UserError(
          `the evaluation recommends ${recommendation}, not ${decision}: ${comparison?.evaluation.reasons.join('; ')}`,
          `decide ${recommendation}, or pass --force to record ${decision} against the recommendation`,
        );
      const record: Decision = {
        schema: 1,
        decision,
        reason,
        decidedAt: (options.now ?? new Date()).toISOString(),
        recommendation,
        overridden: recommendation !== null ? recommendation !== decision : decision === 'promote',
        evaluation: comparison
          ? {
              recommendation: comparison.evaluation.recommendation,
              reasons: comparison.evaluation.reasons,
            }
          : null,
      };
      let value = JSON.stringify(record);
      if (valueBytes(value) > SSM_LIMITS.valueBytes) {
        value = JSON.stringify({ ...record, evaluation: null });
      }
      await bus.put(keyOf(experiment.id, 'decision'), value, { overwrite: false });
      return {
        experiment: {
          ...experiment,
          status: decision === 'promote' ? 'promoted' : 'archived',
          decision: record,
        },
        decision: record,
      };
    },
  };
}
