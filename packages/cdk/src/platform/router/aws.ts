import type { CloudFormationClient } from '@aws-sdk/client-cloudformation';
import {
  AddTagsCommand,
  CreateRuleCommand,
  DeleteRuleCommand,
  DescribeRulesCommand,
  DescribeTagsCommand,
  ModifyRuleCommand,
  RemoveTagsCommand,
  SetRulePrioritiesCommand,
  type ElasticLoadBalancingV2Client,
} from '@aws-sdk/client-elastic-load-balancing-v2';
import type { LambdaClient } from '@aws-sdk/client-lambda';
import { InvokeCommand } from '@aws-sdk/client-lambda';
import type { SecretsManagerClient } from '@aws-sdk/client-secrets-manager';
import { DescribeSecretCommand, GetSecretValueCommand } from '@aws-sdk/client-secrets-manager';
import { describeStackFacts } from '../provisioner/aws.js';
import { Refusal, tagRecord, type StackFacts } from '../provisioner/decide.js';
import { RULE_TAGS, type RuleFacts, type RuleSpec, type TargetGroupFacts } from './decide.js';

/**
 * The router's AWS calls, thin: DescribeStacks (who asks), ELB's rule and tag calls, the OIDC
 * client secret, and an asynchronous nudge to the sleeper. Tested with aws-sdk-client-mock
 * (test/router.test.ts).
 */
export interface RouterAws {
  describeStack(stackId: string): Promise<StackFacts>;
  describeTargetGroup(arn: string): Promise<TargetGroupFacts>;
  /** The rule, or undefined when it no longer exists. */
  describeRule(arn: string): Promise<RuleFacts | undefined>;
  /** Tags of the secret, and its value (or JSON field). */
  secretTags(arn: string): Promise<Record<string, string>>;
  secretValue(arn: string, field: string | undefined): Promise<string>;
  createRule(listenerArn: string, priority: number, spec: RuleSpec): Promise<string>;
  modifyRule(rule: RuleFacts, priority: number, spec: RuleSpec): Promise<void>;
  deleteRule(arn: string): Promise<void>;
  /** Ask the sleeper to wake the environment (asynchronous; no sleeper = nothing). */
  wake(environment: string): Promise<void>;
}

export interface RouterClients {
  readonly cloudformation: CloudFormationClient;
  readonly elb: ElasticLoadBalancingV2Client;
  readonly secrets: SecretsManagerClient;
  readonly lambda: LambdaClient;
  /** Name of the sleeper function, when the platform has one. */
  readonly sleeper?: string | undefined;
}

function named(error: unknown, ...names: string[]): boolean {
  return error instanceof Error && names.includes(error.name);
}

async function tagsOf(
  elb: ElasticLoadBalancingV2Client,
  arn: string,
): Promise<Record<string, string>> {
  const out = await elb.send(new DescribeTagsCommand({ ResourceArns: [arn] }));
  return tagRecord(out.TagDescriptions?.find((d) => d.ResourceArn === arn)?.Tags);
}

export function routerAws(clients: RouterClients): RouterAws {
  const { elb } = clients;
  return {
    describeStack: (stackId) => describeStackFacts(clients.cloudformation, stackId),
    async describeTargetGroup(arn) {
      try {
        return { arn, tags: await tagsOf(elb, arn) };
      } catch (error) {
        if (named(error, 'TargetGroupNotFoundException', 'TargetGroupNotFound'))
          throw new Refusal(`target group ${arn} does not exist`);
        throw error;
      }
    },
    async describeRule(arn) {
      let rule;
      try {
        rule = (await elb.send(new DescribeRulesCommand({ RuleArns: [arn] }))).Rules?.[0];
      } catch (error) {
        if (named(error, 'RuleNotFoundException', 'RuleNotFound')) return undefined;
        throw error;
      }
      if (rule?.RuleArn === undefined) return undefined;
      const forward = rule.Actions?.find((a) => a.Type === 'forward');
      // The listener is the rule ARN's: listener-rule/app/<lb>/<lb-id>/<listener-id>/<rule-id>.
      const listenerArn = arn.replace(':listener-rule/', ':listener/').replace(/\/[0-9a-f]+$/, '');
      return {
        arn,
        listenerArn,
        priority: rule.Priority === 'default' ? 'default' : Number(rule.Priority),
        forwardTargetGroupArn:
          forward?.TargetGroupArn ?? forward?.ForwardConfig?.TargetGroups?.[0]?.TargetGroupArn,
        tags: await tagsOf(elb, arn),
      };
    },
    async secretTags(arn) {
      const out = await clients.secrets.send(new DescribeSecretCommand({ SecretId: arn }));
      return tagRecord(out.Tags);
    },
    async secretValue(arn, field) {
      const out = await clients.secrets.send(new GetSecretValueCommand({ SecretId: arn }));
      const value = out.SecretString ?? '';
      if (field === undefined) return value;
      let parsed: unknown;
      try {
        parsed = JSON.parse(value);
      } catch {
        throw new Refusal(`secret ${arn} is not JSON, so it has no field ${field}`);
      }
      const v = (parsed as Record<string, unknown> | null)?.[field];
      if (typeof v !== 'string' || v === '')
        throw new Refusal(`secret ${arn} has no field ${field}`);
      return v;
    },
    async createRule(listenerArn, priority, spec) {
      try {
        const out = await elb.send(
          new CreateRuleCommand({
            ListenerArn: listenerArn,
            Priority: priority,
            Conditions: [...spec.conditions],
            Actions: [...spec.actions],
            Tags: Object.entries(spec.tags).map(([Key, Value]) => ({ Key, Value })),
          }),
        );
        const arn = out.Rules?.[0]?.RuleArn;
        if (arn === undefined) throw new Error('CreateRule returned no rule');
        return arn;
      } catch (error) {
        if (named(error, 'PriorityInUseException', 'PriorityInUse'))
          throw new Refusal(
            `listener-rule priority ${priority} is taken on the platform listener: deploy claims priorities before the stack (run branch-env deploy, not the CDK CLI, for a shared environment)`,
          );
        throw error;
      }
    },
    async modifyRule(rule, priority, spec) {
      await elb.send(
        new ModifyRuleCommand({
          RuleArn: rule.arn,
          Conditions: [...spec.conditions],
          Actions: [...spec.actions],
        }),
      );
      if (rule.priority !== priority)
        await elb.send(
          new SetRulePrioritiesCommand({
            RulePriorities: [{ RuleArn: rule.arn, Priority: priority }],
          }),
        );
      await elb.send(
        new AddTagsCommand({
          ResourceArns: [rule.arn],
          Tags: Object.entries(spec.tags).map(([Key, Value]) => ({ Key, Value })),
        }),
      );
      if (
        rule.tags[RULE_TAGS.sleepAfter] !== undefined &&
        spec.tags[RULE_TAGS.sleepAfter] === undefined
      )
        await elb.send(
          new RemoveTagsCommand({ ResourceArns: [rule.arn], TagKeys: [RULE_TAGS.sleepAfter] }),
        );
    },
    async deleteRule(arn) {
      try {
        await elb.send(new DeleteRuleCommand({ RuleArn: arn }));
      } catch (error) {
        if (!named(error, 'RuleNotFoundException', 'RuleNotFound')) throw error;
      }
    },
    async wake(environment) {
      if (clients.sleeper === undefined || clients.sleeper === '') return;
      await clients.lambda.send(
        new InvokeCommand({
          FunctionName: clients.sleeper,
          InvocationType: 'Event',
          Payload: new TextEncoder().encode(JSON.stringify({ branchEnvWake: environment })),
        }),
      );
    },
  };
}
