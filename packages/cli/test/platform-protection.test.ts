import { CloudFormationClient, SetStackPolicyCommand } from '@aws-sdk/client-cloudformation';
import { platformStackPolicy } from '@branch-env/cdk';
import { mockClient } from 'aws-sdk-client-mock';
import { beforeEach, describe, expect, it } from 'vitest';
import { protectPlatformStack } from '../src/commands/bootstrap/platform-protection.js';
import { awsError, testClients } from './helpers/aws-clients.js';

const cfn = mockClient(CloudFormationClient);
beforeEach(() => cfn.reset());

describe('bootstrap: the platform stack policy', () => {
  it("sets the platform's stack policy on the platform stack", async () => {
    cfn.on(SetStackPolicyCommand).resolves({});
    await protectPlatformStack(testClients(), 'branch-env-demo-platform');
    const calls = cfn.commandCalls(SetStackPolicyCommand);
    expect(calls).toHaveLength(1);
    expect(calls[0]!.args[0].input.StackName).toBe('branch-env-demo-platform');
    const body = JSON.parse(calls[0]!.args[0].input.StackPolicyBody!);
    expect(body).toEqual(platformStackPolicy());
    expect(body.Statement[0]).toMatchObject({
      Effect: 'Deny',
      Action: 'Update:Replace',
      Condition: {
        StringEquals: {
          ResourceType: expect.arrayContaining([
            'AWS::EC2::VPC',
            'AWS::ElasticLoadBalancingV2::LoadBalancer',
            'AWS::ElasticLoadBalancingV2::Listener',
            'AWS::CertificateManager::Certificate',
          ]),
        },
      },
    });
  });

  it('retries a throttled call', async () => {
    cfn.on(SetStackPolicyCommand).rejectsOnce(awsError('Throttling', 'Rate exceeded')).resolves({});
    await protectPlatformStack(testClients(), 'branch-env-demo-platform');
    expect(cfn.commandCalls(SetStackPolicyCommand)).toHaveLength(2);
  });
});
