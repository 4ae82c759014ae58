export {
  createEnvironmentApp,
  CLOUDFRONT_CERTIFICATE_REGION,
  LISTENER_RULE_CONTEXT,
  type EnvironmentApp,
  type EnvironmentAppProps,
  type EnvironmentMainStack,
} from './environment-app/create-environment-app.js';
export {
  environmentAppFromContext,
  type EnvironmentAppFromContextProps,
} from './environment-app/from-context.js';
export {
  EnvironmentStack,
  type EnvironmentStackProps,
  type CloudFrontCertificateSource,
} from './environment-stack/environment-stack.js';
export {
  ENVIRONMENT_CHECKS,
  API_CHECKS,
  checkEnvironment,
  type ResolvedEnvironmentCheck,
} from './environment-stack/checks.js';
export { Network, type NetworkProps } from './network/network.js';
export {
  Database,
  type DatabaseProps,
  type DatabaseSidecar,
  type DatabaseIdentifiers,
} from './database/database.js';
export { Registry, type RegistryProps } from './registry/registry.js';
export {
  Service,
  type ServiceProps,
  type ServiceTaskProps,
  type ServiceImage,
} from './service/service.js';
export { Storage, type StorageProps } from './storage/storage.js';
export { Web, type WebProps } from './web/web.js';
export { SiteContent, type SiteContentProps } from './web/site-content.js';
export { SiteServer, type SiteServerProps, type SiteServerSource } from './web/site-server.js';
export { Domain, type DomainProps } from './domain/domain.js';
export { CertificateStack, type CertificateStackProps } from './domain/certificate-stack.js';
export {
  Observability,
  LATENCY_METRIC,
  type ObservabilityProps,
} from './observability/observability.js';
export {
  ConfigBus,
  STACK_CONFIG_BUS_KEYS,
  type ConfigBusProps,
  type StackConfigBusKey,
} from './config-bus/config-bus.js';
export { physicalNames, type PhysicalNames } from './private/physical-names.js';
export { nagFindings, type NagFinding } from './compliance/nag-findings.js';
export {
  ENVIRONMENT_ACKNOWLEDGEMENTS,
  CERTIFICATE_ACKNOWLEDGEMENTS,
  platformAcknowledgements,
  sharedEnvironmentAcknowledgements,
  type Acknowledgement,
} from './compliance/acknowledgements.js';
export {
  DeployRoleStack,
  roleNameOf,
  type DeployRoleStackProps,
} from './deploy-role/deploy-role-stack.js';
export {
  PlatformStack,
  SHARED_SERVICE_PORT,
  type PlatformStackProps,
  type PlatformLoadBalancer,
} from './platform/platform-stack.js';
export { platformStackPolicy, type StackPolicy } from './platform/stack-policy.js';
export { Sleeper, type SleeperLoadBalancer, type SleeperProps } from './platform/sleeper.js';
export {
  SharedEnvironmentStack,
  type SharedEnvironmentStackProps,
  type ListenerRulePlacement,
} from './shared-environment/shared-environment-stack.js';
export type { ListenerAccess, SharedLoadBalancer } from './service/service.js';
