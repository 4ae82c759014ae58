export {
  createConfigBus,
  catalogueAccessor,
  type ConfigBus,
  type ConfigBusOptions,
  type GetResult,
  type PathEntry,
  type PathResult,
  type PutOptions,
  type ServiceUrl,
  type CatalogueAccessor,
} from './private/config-bus.js';
export {
  ConfigBusInputError,
  ConfigBusUnavailableError,
  ServiceNotFoundError,
  ParameterExistsError,
} from './private/errors.js';
export { SSM_LIMITS, KEY_RULES, keyProblems, valueProblems } from './private/limits.js';
export { consoleLogger, silentLogger, type Logger } from './private/logger.js';
export {
  withRetry,
  backoffDelay,
  isThrottling,
  isUnavailable,
  type RetryPolicy,
} from './private/retry.js';
export { StaleCache, type CacheRead } from './private/cache.js';
export {
  ssmStore,
  type SsmStore,
  type StoredParameter,
  type ParameterType,
} from './private/ssm-store.js';
export { s3Store, type ObjectStore } from './private/s3-store.js';
export {
  evaluateExperiment,
  type Evaluation,
  type EvaluationInput,
  type MetricChange,
} from './private/experiments/decide.js';
export {
  createExperiments,
  experimentRecords,
  parseResultsFile,
  planResults,
  DEFAULT_THRESHOLD,
  type Experiments,
  type StartExperimentInput,
  type Comparison,
  type DecideOptions,
  type RecordOptions,
} from './private/experiments/experiments.js';
export {
  EXPERIMENT_KEYS,
  EXPERIMENTS_PATH,
  REFERENCE_ID,
  EXPERIMENT_ID_PATTERN,
  METRIC_NAME_PATTERN,
  ExperimentIdSchema,
  MetricSpecSchema,
  AmountSchema,
  ExperimentConfigurationSchema,
  ResultsFileSchema,
  StoredResultsSchema,
  DecisionSchema,
  parseAmount,
  formatAmount,
  parseMetricSpec,
  zodProblems,
  type Amount,
  type Direction,
  type MetricSpec,
  type ExperimentConfiguration,
  type ResultsFile,
  type StoredResults,
  type ObjectPointer,
  type Decision,
  type DecisionKind,
  type ExperimentRecord,
  type ExperimentStatus,
} from './private/experiments/schema.js';
