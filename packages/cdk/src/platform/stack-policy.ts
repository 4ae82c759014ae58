/**
 * The platform stack's CloudFormation stack policy, set by `branch-env bootstrap` after each
 * platform deploy. Every shared environment depends on the platform's network, cluster, load
 * balancers, listeners, certificate, wildcard record and repositories: an update that would
 * replace one of them (a new physical resource, so new ARNs, a new DNS name, a new certificate to
 * validate, lost images) is refused by CloudFormation itself, whatever the template diff said; the
 * VPC, cluster, certificate and repositories may not be removed by an update either. Adding or
 * removing NAT gateways and further load balancers stays possible. Deleting the whole stack is
 * what termination protection refuses (stack policies apply to updates only).
 */

/** Resource types an update must never replace. */
const PLATFORM_IRREPLACEABLE_TYPES = [
  'AWS::EC2::VPC',
  'AWS::ECS::Cluster',
  'AWS::ElasticLoadBalancingV2::LoadBalancer',
  'AWS::ElasticLoadBalancingV2::Listener',
  'AWS::CertificateManager::Certificate',
  'AWS::Route53::RecordSet',
  'AWS::ECR::Repository',
  // The shared database clusters hold every shared environment's data.
  'AWS::DocDB::DBCluster',
  'AWS::DocDB::DBInstance',
  'AWS::RDS::DBCluster',
  'AWS::RDS::DBInstance',
  'AWS::SecretsManager::Secret',
] as const;

/** Resource types an update must never delete (the rest of the platform hangs off them). */
const PLATFORM_UNDELETABLE_TYPES = [
  'AWS::EC2::VPC',
  'AWS::ECS::Cluster',
  'AWS::CertificateManager::Certificate',
  'AWS::ECR::Repository',
] as const;

export interface StackPolicy {
  readonly Statement: readonly {
    readonly Effect: 'Allow' | 'Deny';
    readonly Action: string | readonly string[];
    readonly Principal: '*';
    readonly Resource: '*';
    readonly Condition?: { readonly StringEquals: { readonly ResourceType: readonly string[] } };
  }[];
}

/** The stack policy document (StackPolicyBody). */
export function platformStackPolicy(): StackPolicy {
  return {
    Statement: [
      {
        Effect: 'Deny',
        Action: 'Update:Replace',
        Principal: '*',
        Resource: '*',
        Condition: { StringEquals: { ResourceType: [...PLATFORM_IRREPLACEABLE_TYPES] } },
      },
      {
        Effect: 'Deny',
        Action: 'Update:Delete',
        Principal: '*',
        Resource: '*',
        Condition: { StringEquals: { ResourceType: [...PLATFORM_UNDELETABLE_TYPES] } },
      },
      { Effect: 'Allow', Action: 'Update:*', Principal: '*', Resource: '*' },
    ],
  };
}
