export {
  UserError,
  ConfigError,
  BranchError,
  NoRouteError,
  NotAllowedError,
  jsonPath,
  type ConfigIssue,
} from './private/errors.js';
export {
  ConfigSchema,
  ProfileSchema,
  RuleSchema,
  AccountSchema,
  DatabaseSchema,
  PlatformSchema,
  AccessSchema,
  LOG_RETENTION_DAYS,
  configJsonSchema,
  type Config,
  type ConfigInput,
  type Account,
  type Profile,
  type Rule,
  type Database,
  type DatabaseEngine,
  type Platform,
  type Isolation,
  type Access,
} from './private/config/schema.js';
export { PLATFORM_CHECKS, platformDatabaseKey } from './private/config/platform-checks.js';
export {
  sleepAfterIdleMinutes,
  DEFAULT_SLEEP_AFTER_IDLE_MINUTES,
  type Sleep,
} from './private/config/sleep.js';
export {
  ENVIRONMENT_CHECKS,
  ENVIRONMENT_RULES_CHECK,
  environmentProblems,
  type EnvironmentCheck,
  type EnvironmentFacts,
} from './private/config/environment-checks.js';
export {
  parseConfig,
  parseConfigText,
  loadConfig,
  findConfigFile,
  CONFIG_FILE_NAME,
  type LoadConfigOptions,
} from './private/config/load.js';
export {
  ServiceSchema,
  JobSchema,
  SiteSchema,
  type ServiceConfig,
  type JobConfig,
  type SiteConfig,
  type Expose,
} from './private/config/services.js';
export {
  SAMPLE_SERVICE,
  servicesOf,
  secretNamesOf,
  type ImageSource,
  type ResolvedService,
  type ResolvedJob,
  type ResolvedSite,
  type ResolvedTask,
} from './private/services/resolve-services.js';
export {
  catchAllService,
  listenerOrder,
  reachOf,
  routedServiceCount,
  routesOf,
  rulePaths,
} from './private/services/routing.js';
export { JOB_ROLE_PATH, jobTaskFamily } from './private/services/job-outputs.js';
export {
  JOB_LOG_LINES,
  JOB_RUN_MAX_MINUTES,
  JOB_RUN_RESOURCE_TYPE,
  jobRunFailureReason,
  jobRunFix,
  parseJobRunFailure,
  type JobRunFailure,
  type JobRunFailureKind,
  type JobRunProperties,
  type ParsedJobRunFailure,
} from './private/services/job-run.js';
export {
  siteServing,
  catchAllRulePaths,
  type SiteServing,
} from './private/services/site-serving.js';
export {
  appSecretPrefix,
  environmentSecretPrefix,
  secretId,
  resolveSecretSources,
  missingSecretsError,
  type SecretLevel,
  type SecretsPresent,
  type SecretSource,
  type SecretResolution,
  type MissingSecret,
} from './private/services/secrets.js';
export { SECRET_NAME } from './private/config/services.js';
export {
  validateConfig,
  CONFIG_CHECKS,
  type CheckContext,
  configDomains,
  fargateMemoryProblem,
} from './private/config/validate.js';
export {
  gitBranchProblem,
  assertGitBranch,
  sourceBranch,
  branchArgument,
  printable,
  MAX_BRANCH_BYTES,
  type RefInput,
} from './private/naming/git-ref.js';
export { shellQuote, shellCommand } from './private/shell/quote.js';
export { syncTargets, syncsInto, type SyncTarget } from './private/github/long-lived-sync.js';
export { destroyCommand, type DestroyCommandInput } from './private/shell/commands.js';
export {
  environmentName,
  isValidEnvironmentName,
  readablePrefix,
  type EnvironmentName,
} from './private/naming/environment-name.js';
export { branchHash, base32, HASH_LENGTH } from './private/naming/hash.js';
export {
  PHYSICAL_NAME_RULES,
  physicalNameProblems,
  databaseIdentifier,
  DATABASE_SUFFIX_RESERVE,
  type PhysicalNameKind,
  type PhysicalNameRule,
} from './private/naming/physical-name-rules.js';
export {
  nameBudget,
  LIMITS,
  STACK_SUFFIXES,
  MIN_NAME_BUDGET,
  type NameBudget,
  type BudgetTerm,
} from './private/naming/limits.js';
export { compilePattern, matches, type BranchPattern } from './private/routing/pattern.js';
export {
  resolveEnvironment,
  routeOf,
  expiresAt,
  findNameCollisions,
  tagValue,
  TAG_KEYS,
  type ResolvedEnvironment,
  type Route,
  type NameCollision,
} from './private/routing/resolve.js';
export {
  CONFIG_BUS,
  DEFAULT_SERVICE,
  ssmPrefix,
  parameterName,
  serviceUrlKey,
  reservedKeyPatterns,
  type ConfigBusEntry,
  type ConfigBusKey,
  type ConfigBusWriter,
} from './private/config-bus/catalogue.js';
export {
  PLATFORM_PARAMETERS,
  PLATFORM_SEGMENT,
  MAX_PLATFORM_LOAD_BALANCERS,
  platformPrefix,
  platformParameterName,
  listenerRuleClaimsPrefix,
  platformStackName,
  platformFlowLogGroupName,
  type PlatformEntry,
  type PlatformParameter,
  type PlatformWriter,
} from './private/config-bus/platform.js';
export {
  checkOwnership,
  ownershipConflict,
  type Ownership,
} from './private/lifecycle/ownership.js';
export {
  expiryOf,
  expiresAtRecord,
  isExpired,
  humanDuration,
  NEVER,
} from './private/lifecycle/expiry.js';
export {
  collectEnvironments,
  statusOf,
  branchOf,
  prefixOf,
  type DeployedEnvironment,
  type EnvironmentStatus,
  type StackSummary,
  type ParameterValue,
} from './private/lifecycle/environments.js';
export {
  checkLiveBranches,
  confirmReap,
  planReap,
  protectionOf,
  type ReapCandidate,
  type ReapCheck,
  type ReapDecision,
} from './private/lifecycle/reap.js';
export { ruleCapacityError } from './private/lifecycle/rule-capacity.js';
export {
  environmentApex,
  inEnvironmentSubtree,
  isAcmValidationRecord,
  type DnsRecord,
} from './private/lifecycle/dns-records.js';
export {
  leftoversAfterDestroy,
  settleLeftovers,
  arnType,
  LEFTOVER_RULES,
  type Leftover,
  type LeftoverKind,
  type TaggedResource,
} from './private/lifecycle/leftovers.js';
export {
  stringLikeMatches,
  stringLikeAny,
  escapeStringLike,
} from './private/github/string-like.js';
export {
  GITHUB_OIDC,
  TRUST_POLICY_MAX_CHARS,
  TRUST_POLICY_QUOTA_MAX_CHARS,
  DEFAULT_GITHUB_ENVIRONMENT,
  trustPolicyDocument,
  oidcTrust,
  branchToStringLike,
  branchSubject,
  trustConditions,
  type OidcTrust,
  type OidcTrustOptions,
  type TrustSubject,
  type BranchLike,
} from './private/github/oidc-trust.js';
export {
  PROTECTION_CLASSES,
  DEPLOY_ROLE_SUFFIXES,
  RESERVED,
  protectionClassOf,
  classRoles,
  deployRoleArnOf,
  classesOf,
  classScopes,
  environmentPrefixOf,
  type ProtectionClass,
  type ClassRoles,
  type ClassScopes,
} from './private/github/deploy-access.js';
export {
  PR_COMMENT_MARKER,
  PR_COMMENT_MAX_CHARS,
  renderPrComment,
  isBranchEnvComment,
  commentRunId,
  mayReplaceComment,
  type PrCommentInput,
  type PrCommentStatus,
} from './private/github/pr-comment.js';
export {
  planFigures,
  firstFailure,
  diffStacks,
  type PlanFigures,
  type DeployFailure,
  type DiffChange,
  type DiffStack,
} from './private/github/pr-sections.js';
export {
  publishPrStatus,
  type GithubApi,
  type GithubRequest,
  type PublishOptions,
  type PublishResult,
  type Repo,
} from './private/github/pr-status.js';
export {
  commandText,
  runPrStatusStep,
  type Env,
  type StepDeps,
} from './private/github/pr-status-step.js';
export { githubFetchApi, type GithubFetchOptions } from './private/github/github-api.js';
export {
  mdCell,
  mdCode,
  mdLink,
  mdText,
  mdTextWithLinks,
  mdUsd,
  type CodeOptions,
} from './private/github/markdown.js';
export {
  auditTeardown,
  containerInsightsLogGroup,
  exportedLogGroupPrefix,
  LOG_EXPORTING_TYPES,
  effectiveDeletionPolicy,
  BLOCKER_KINDS,
  TEARDOWN_RULES,
  type BlockerKind,
  type BlockerKindInfo,
  type TeardownBlocker,
  type TeardownAuditOptions,
} from './private/analysis/teardown-audit.js';
export {
  estimateCost,
  type CostEstimate,
  type CostEstimateOptions,
  type CostLine,
  type UnpricedItem,
} from './private/analysis/cost-estimate.js';
export {
  PRICES_2026_11,
  type PriceTable,
  type Price,
  type PriceKey,
} from './private/analysis/prices.js';
export {
  modelTimeToReady,
  modelTimeToDestroy,
  modelResourceMinutes,
  combineStackTimes,
  type StackTime,
  type CombineStackTimesOptions,
  type TimeModel,
  type TimeModelOptions,
  type PathStep,
} from './private/analysis/time-model.js';
export {
  measureStack,
  isStackSelfEvent,
  startsOperation,
  type StackEventLike,
  type MeasuredResource,
  type StackTimeline,
} from './private/analysis/timeline.js';
export {
  RESOURCE_DURATIONS,
  DEFAULT_DURATION,
  type ResourceDuration,
  type TypeDurations,
} from './private/analysis/durations.js';
export {
  complianceSummary,
  type ComplianceFinding,
  type ComplianceRow,
  type ComplianceSummary,
  type ComplianceCounts,
} from './private/analysis/compliance-summary.js';
export {
  QUOTAS_2026_12,
  raiseQuotaFix,
  type Quota,
  type QuotaKey,
  type QuotaScope,
  type QuotaTable,
} from './private/analysis/quotas.js';
export {
  environmentQuotaUsage,
  platformQuotaUsage,
  modelCapacity,
  decideRoom,
  moreRoomFix,
  type CapacityInput,
  type CapacityModel,
  type CapacityRow,
  type Isolation as CapacityIsolation,
  type Occupant,
  type PlatformShape,
  type QuotaUsage,
  type RegionalTemplate,
  type RoomDecision,
} from './private/analysis/capacity.js';
export {
  isolationOf,
  platformShapeOf,
  longLivedEnvironments,
} from './private/analysis/capacity-config.js';
export {
  modelPushToUrl,
  type PushToUrlModel,
  type PushToUrlStep,
  type PushToUrlOptions,
} from './private/analysis/push-to-url.js';
export { estimatePlatformCost } from './private/analysis/platform-cost.js';
export {
  modelWake,
  WAKE_PAGE_REFRESH_SECONDS,
  type WakeModel,
  type WakeStep,
} from './private/analysis/wake.js';
export {
  PIPELINE_DURATIONS,
  type PipelineTerm,
  type PipelineDuration,
} from './private/analysis/durations.js';
export {
  complianceGroups,
  shortReason,
  type ComplianceGroup,
} from './private/analysis/compliance-groups.js';
export type { CfnTemplate, CfnResource } from './private/analysis/template.js';
export {
  allocateListenerRule,
  allocateListenerRules,
  preferredPriority,
  claimValue,
  parseClaim,
  MAX_LISTENER_RULE_PRIORITY,
  RULES_PER_LOAD_BALANCER,
  type ListenerRuleClaim,
} from './private/platform/listener-rules.js';
export {
  LISTENER_RULE_RESOURCE_TYPE,
  listenerRouterName,
  platformLoadBalancerName,
  platformLoadBalancerPrefix,
} from './private/platform/router.js';
export {
  SHARED_DATABASE_ENGINES,
  SHARED_DATABASE_NAME,
  SHARED_DATABASE_PORTS,
  SHARED_DATABASE_RESOURCE_TYPE,
  databaseProvisionerName,
  platformDatabaseIdentifier,
  sharedDatabaseName,
  type SharedDatabaseEngine,
  type SharedDatabaseProperties,
} from './private/platform/shared-databases.js';
export {
  ENVIRONMENT_CONTEXT,
  NAG_FINDINGS_FILE,
  environmentContext,
  readEnvironmentContext,
  type EnvironmentContext,
  type ListenerRuleContext,
} from './private/cdk-app/environment-context.js';
export {
  CLOUDFRONT_CERTIFICATE_REGION,
  environmentStacks,
  type EnvironmentStackTarget,
} from './private/cdk-app/environment-stacks.js';
export {
  IMAGE_CACHE_TAG,
  imageBuildsOf,
  imageRepositoryName,
  imageRepositoryOf,
  imageRepositoryPrefix,
  imageTagOf,
  platformImageClasses,
  usesPlatformImages,
  type ImageBuild,
  type ImageUnit,
} from './private/platform/image-repositories.js';
