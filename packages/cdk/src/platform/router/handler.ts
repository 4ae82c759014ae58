import { CloudFormationClient } from '@aws-sdk/client-cloudformation';
import { ElasticLoadBalancingV2Client } from '@aws-sdk/client-elastic-load-balancing-v2';
import { LambdaClient } from '@aws-sdk/client-lambda';
import { SecretsManagerClient } from '@aws-sdk/client-secrets-manager';
import { logAndRespond } from '../../private/cfn-response.js';
import { responseOf, type CustomResourceResponse } from '../provisioner/decide.js';
import { routerAws, type RouterAws } from './aws.js';
import {
  checkClientSecret,
  checkTargetGroup,
  isRuleArn,
  requestingEnvironment,
  routerSettingsFrom,
  ruleActionOf,
  ruleRequestOf,
  ruleSpecOf,
  type CustomResourceEvent,
  type RouterSettings,
} from './decide.js';

/**
 * The platform's listener-rule router: the Lambda behind `Custom::BranchEnvListenerRule` (outside
 * the VPC). Bundled with esbuild at synth (router.ts); the AWS SDK is the runtime's.
 */
export async function route(
  event: CustomResourceEvent,
  settings: RouterSettings,
  aws: RouterAws,
): Promise<CustomResourceResponse> {
  try {
    const stack = await aws.describeStack(event.StackId);
    const environment = requestingEnvironment(event, stack, settings.app);
    const request = event.RequestType === 'Delete' ? undefined : ruleRequestOf(event, settings);
    const physical = event.PhysicalResourceId;
    const existing = isRuleArn(physical) ? await aws.describeRule(physical) : undefined;
    const action = ruleActionOf(event, environment, request, existing, settings);
    if (action.kind === 'nothing')
      return responseOf(event, {
        ok: true,
        physicalResourceId: action.physicalResourceId,
        reason: action.why,
      });
    if (action.kind === 'delete') {
      await aws.deleteRule(action.rule.arn);
      return responseOf(event, {
        ok: true,
        physicalResourceId: action.rule.arn,
        reason: 'rule deleted',
      });
    }
    if (request === undefined) throw new Error('bug: no request to write a rule from');
    checkTargetGroup(event, await aws.describeTargetGroup(request.targetGroupArn));
    let clientSecret: string | undefined;
    if (request.access.mode === 'oidc') {
      checkClientSecret(request.access, await aws.secretTags(request.access.clientSecretArn));
      clientSecret = await aws.secretValue(
        request.access.clientSecretArn,
        request.access.clientSecretField,
      );
    }
    if (action.kind === 'create') {
      const spec = ruleSpecOf(environment, request, settings, {
        forwardTo: request.targetGroupArn,
        clientSecret,
      });
      const arn = await aws.createRule(request.listenerArn, request.priority, spec);
      return responseOf(event, {
        ok: true,
        physicalResourceId: arn,
        reason: `rule created at priority ${request.priority}`,
      });
    }
    // A sleeping environment stays asleep (its rule forwards to the waker) until its tasks are
    // healthy again; the deploy asks the sleeper to wake it.
    const forwardTo = action.asleep
      ? (action.rule.forwardTargetGroupArn ?? request.targetGroupArn)
      : request.targetGroupArn;
    await aws.modifyRule(
      action.rule,
      request.priority,
      ruleSpecOf(environment, request, settings, { forwardTo, clientSecret }),
    );
    if (action.asleep) await aws.wake(environment);
    return responseOf(event, {
      ok: true,
      physicalResourceId: action.rule.arn,
      reason: action.asleep
        ? 'rule updated; the environment was asleep and is waking'
        : 'rule updated',
    });
  } catch (error) {
    const message = error instanceof Error ? error.message : String(error);
    return responseOf(event, { ok: false, reason: message });
  }
}

export async function handler(event: CustomResourceEvent): Promise<void> {
  const region = process.env['AWS_REGION'];
  const aws = routerAws({
    cloudformation: new CloudFormationClient({ region }),
    elb: new ElasticLoadBalancingV2Client({ region }),
    secrets: new SecretsManagerClient({ region }),
    lambda: new LambdaClient({ region }),
    sleeper: process.env['SLEEPER'],
  });
  const response = await route(event, routerSettingsFrom(process.env), aws);
  await logAndRespond(event, response);
}
