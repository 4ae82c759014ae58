import {
  CancelUpdateStackCommand,
  CloudFormationClient,
  DeleteStackCommand,
  DescribeStackEventsCommand,
  DescribeStacksCommand,
  ListStackResourcesCommand,
  ListStacksCommand,
  UpdateTerminationProtectionCommand,
  type StackEvent,
  type StackResourceSummary,
} from '@aws-sdk/client-cloudformation';
import { mockClient } from 'aws-sdk-client-mock';
import { awsError } from './aws-clients.js';

/** One stack as the fake holds it. */
export interface FakeStack {
  readonly name: string;
  readonly id: string;
  status: string;
  statusReason?: string;
  terminationProtection: boolean;
  events: StackEvent[];
  resources: StackResourceSummary[];
  /**
   * What the next DeleteStack calls end in, one entry per call: the resources that fail (their
   * type, physical id and the reason AWS gives). Empty: the delete succeeds.
   */
  deleteFailures: { type: string; physicalId: string; reason: string }[][];
}

/**
 * A stateful stand-in for CloudFormation (over aws-sdk-client-mock): stacks with a status,
 * termination protection, events and resources; DescribeStacks, DeleteStack,
 * UpdateTerminationProtection, CancelUpdateStack, ListStackResources, DescribeStackEvents and ListStacks behave as
 * CloudFormation does, with its error messages. Tests set up the state a real account would be in
 * and read the state the command left, instead of scripting exact call sequences.
 */
export class FakeCloudFormation {
  readonly stacks = new Map<string, FakeStack>();
  readonly calls: string[] = [];
  private readonly mock = mockClient(CloudFormationClient);
  private serial = 0;

  constructor() {
    this.install();
  }

  reset(): void {
    this.stacks.clear();
    this.calls.length = 0;
    this.mock.reset();
    this.install();
  }

  /** A stack in `status`, with the events a stack in that status has. */
  add(
    name: string,
    status: string,
    options: {
      terminationProtection?: boolean;
      completed?: boolean;
      reason?: string;
      resources?: StackResourceSummary[];
    } = {},
  ): FakeStack {
    const id = `arn:aws:cloudformation:us-east-1:111111111111:stack/${name}/${++this.serial}`;
    const event = (status: string, reason?: string): StackEvent => ({
      StackId: id,
      StackName: name,
      EventId: `${name}-${status}-${this.serial}`,
      LogicalResourceId: name,
      PhysicalResourceId: id,
      ResourceType: 'AWS::CloudFormation::Stack',
      ResourceStatus: status,
      ResourceStatusReason: reason,
      Timestamp: new Date('2026-12-01T00:00:00Z'),
    });
    const events = [event('CREATE_IN_PROGRESS', 'User Initiated')];
    if (options.completed ?? !/^(ROLLBACK|CREATE_FAILED|REVIEW)/.test(status))
      events.unshift(event('CREATE_COMPLETE'));
    if (status !== 'CREATE_COMPLETE') events.unshift(event(status, options.reason));
    const stack: FakeStack = {
      name,
      id,
      status,
      statusReason: options.reason,
      terminationProtection: options.terminationProtection ?? false,
      events,
      resources: options.resources ?? [],
      deleteFailures: [],
    };
    this.stacks.set(name, stack);
    return stack;
  }

  /** The live (not DELETE_COMPLETE) stack of that name, or undefined. */
  live(name: string): FakeStack | undefined {
    const s = this.stacks.get(name);
    return s && s.status !== 'DELETE_COMPLETE' ? s : undefined;
  }

  private find(nameOrId: string | undefined): FakeStack | undefined {
    for (const s of this.stacks.values()) {
      if (s.id === nameOrId) return s;
      if (s.name === nameOrId && s.status !== 'DELETE_COMPLETE') return s;
    }
    return undefined;
  }

  private missing(nameOrId: string | undefined): Error {
    return awsError('ValidationError', `Stack with id ${nameOrId} does not exist`);
  }

  private install(): void {
    this.mock.on(DescribeStacksCommand).callsFake((input: { StackName?: string }) => {
      this.calls.push(`DescribeStacks ${input.StackName}`);
      const s = this.find(input.StackName);
      if (!s) throw this.missing(input.StackName);
      return {
        Stacks: [
          {
            StackName: s.name,
            StackId: s.id,
            StackStatus: s.status,
            StackStatusReason: s.statusReason,
            EnableTerminationProtection: s.terminationProtection,
            CreationTime: new Date('2026-12-01T00:00:00Z'),
          },
        ],
      };
    });
    this.mock
      .on(UpdateTerminationProtectionCommand)
      .callsFake((input: { StackName?: string; EnableTerminationProtection?: boolean }) => {
        this.calls.push(
          `UpdateTerminationProtection ${input.StackName} ${input.EnableTerminationProtection}`,
        );
        const s = this.find(input.StackName);
        if (!s) throw this.missing(input.StackName);
        s.terminationProtection = input.EnableTerminationProtection ?? false;
        return { StackId: s.id };
      });
    this.mock.on(DeleteStackCommand).callsFake((input: { StackName?: string }) => {
      this.calls.push(`DeleteStack ${input.StackName}`);
      const s = this.find(input.StackName);
      if (!s) return {}; // deleting a stack that does not exist succeeds
      if (s.terminationProtection) {
        // https://docs.aws.amazon.com/AWSCloudFormation/latest/UserGuide/using-cfn-protect-stacks.html
        throw awsError(
          'ValidationError',
          `Stack [${s.name}] cannot be deleted while TerminationProtection is enabled`,
        );
      }
      const failures = s.deleteFailures.shift() ?? [];
      if (failures.length === 0) {
        s.status = 'DELETE_COMPLETE';
        return {};
      }
      s.status = 'DELETE_FAILED';
      s.statusReason = `The following resource(s) failed to delete: [${failures.map((f) => f.physicalId).join(', ')}]. `;
      s.resources = failures.map((f, i) => ({
        LogicalResourceId: `Failed${i}`,
        PhysicalResourceId: f.physicalId,
        ResourceType: f.type,
        ResourceStatus: 'DELETE_FAILED',
        ResourceStatusReason: f.reason,
        LastUpdatedTimestamp: new Date(),
      }));
      return {};
    });
    this.mock.on(CancelUpdateStackCommand).callsFake((input: { StackName?: string }) => {
      this.calls.push(`CancelUpdateStack ${input.StackName}`);
      const s = this.find(input.StackName);
      if (!s) throw this.missing(input.StackName);
      if (s.status !== 'UPDATE_IN_PROGRESS')
        throw awsError(
          'ValidationError',
          `CancelUpdateStack cannot be called from current stack status ${s.status}`,
        );
      // The rollback to the last deployed template, finished.
      s.status = 'UPDATE_ROLLBACK_COMPLETE';
      s.statusReason = 'Resource update cancelled';
      return {};
    });
    this.mock.on(ListStackResourcesCommand).callsFake((input: { StackName?: string }) => {
      const s = this.find(input.StackName);
      if (!s) throw this.missing(input.StackName);
      return { StackResourceSummaries: s.resources };
    });
    this.mock.on(DescribeStackEventsCommand).callsFake((input: { StackName?: string }) => {
      const s = this.find(input.StackName);
      if (!s) throw this.missing(input.StackName);
      return { StackEvents: s.events };
    });
    this.mock.on(ListStacksCommand).callsFake(() => ({
      StackSummaries: [...this.stacks.values()]
        .filter((s) => s.status === 'DELETE_COMPLETE')
        .map((s) => ({
          StackName: s.name,
          StackId: s.id,
          StackStatus: s.status,
          CreationTime: new Date('2026-12-01T00:00:00Z'),
        })),
    }));
  }
}
