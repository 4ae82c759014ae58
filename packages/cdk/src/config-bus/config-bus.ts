import * as ssm from 'aws-cdk-lib/aws-ssm';
import {
  CONFIG_BUS,
  parameterName,
  type ConfigBusEntry,
  type ConfigBusKey,
} from '@branch-env/core';
import { Construct } from 'constructs';

/** A key of the catalogue the environment stack writes (`writer: 'stack'`). */
export type StackConfigBusKey = ConfigBusKey;

/** Every `writer: 'stack'` key of the catalogue, in catalogue order. */
export const STACK_CONFIG_BUS_KEYS: readonly StackConfigBusKey[] = (
  Object.entries(CONFIG_BUS) as [ConfigBusKey, ConfigBusEntry][]
)
  .filter(([, e]) => e.writer === 'stack')
  .map(([k]) => k);

export interface ConfigBusProps {
  /** `/<app>/<env>/`. */
  readonly prefix: string;
  /** A value for every stack key (tokens allowed). SSM values cannot be empty: use `none`. */
  readonly values: Readonly<Partial<Record<StackConfigBusKey, string>>>;
}

/**
 * The stack's part of the config bus: one `AWS::SSM::Parameter` (String, Standard tier: free) per
 * `writer: 'stack'` key of `CONFIG_BUS`, under the environment's prefix. Created and deleted with
 * the stack. Nothing secret is written here (the database secret's ARN, never its value).
 */
export class ConfigBus extends Construct {
  readonly parameters: ReadonlyMap<StackConfigBusKey, ssm.StringParameter>;

  constructor(scope: Construct, id: string, props: ConfigBusProps) {
    super(scope, id);
    const parameters = new Map<StackConfigBusKey, ssm.StringParameter>();
    const problems: string[] = [];
    for (const key of STACK_CONFIG_BUS_KEYS) {
      const entry: ConfigBusEntry = CONFIG_BUS[key];
      const value = props.values[key];
      if (value === undefined || value.length === 0) {
        problems.push(`${entry.key}: no value`);
        continue;
      }
      parameters.set(
        key,
        new ssm.StringParameter(this, key, {
          parameterName: parameterName(props.prefix, entry.key),
          stringValue: value,
          description: entry.description.slice(0, 1024),
          tier: ssm.ParameterTier.STANDARD,
        }),
      );
    }
    if (problems.length > 0) {
      throw new Error(`bug: config bus values missing: ${problems.join('; ')}`);
    }
    this.parameters = parameters;
  }
}
