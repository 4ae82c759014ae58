import { CfnResource, type RemovalPolicy, type Stack } from 'aws-cdk-lib';
import * as lambda from 'aws-cdk-lib/aws-lambda';
import * as logs from 'aws-cdk-lib/aws-logs';

export interface ExplicitLogGroupsProps {
  readonly retentionDays: number;
  readonly removalPolicy: RemovalPolicy;
}

/**
 * Give every Lambda function of `stack` (CDK's helper functions included: S3 auto-delete, the
 * default security group restriction, BucketDeployment) a log group owned by the stack, through
 * the function's `LoggingConfig`. Otherwise Lambda creates `/aws/lambda/<name>` on first invocation,
 * outside CloudFormation, with no retention: it survives the stack. The log group is created
 * before the function and deleted after it, so the function's last (delete-time) invocation cannot
 * recreate it. Call once, after every construct of the stack exists.
 */
export function giveLambdasExplicitLogGroups(stack: Stack, props: ExplicitLogGroupsProps): number {
  let count = 0;
  for (const node of stack.node.findAll()) {
    if (!(node instanceof CfnResource) || node.cfnResourceType !== 'AWS::Lambda::Function')
      continue;
    if (node instanceof lambda.CfnFunction && hasLogGroup(node.loggingConfig)) continue;
    const scope = node.node.scope;
    if (!scope) continue;
    const group = new logs.LogGroup(scope, `${node.node.id}LogGroup`, {
      retention: props.retentionDays as logs.RetentionDays,
      removalPolicy: props.removalPolicy,
    });
    node.addPropertyOverride('LoggingConfig.LogGroup', group.logGroupName);
    count++;
  }
  return count;
}

function hasLogGroup(config: lambda.CfnFunction['loggingConfig']): boolean {
  if (config === undefined) return false;
  return 'logGroup' in config && config.logGroup !== undefined;
}
