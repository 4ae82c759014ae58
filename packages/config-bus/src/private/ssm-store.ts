import {
  DeleteParameterCommand,
  GetParameterCommand,
  GetParametersByPathCommand,
  PutParameterCommand,
  type Parameter,
  type SSMClient,
} from '@aws-sdk/client-ssm';
import { ParameterExistsError } from './errors.js';
import { withRetry, type RetryPolicy } from './retry.js';

export type ParameterType = 'String' | 'SecureString' | 'StringList';

/** One parameter as read from SSM (SecureStrings decrypted). */
export interface StoredParameter {
  readonly name: string;
  readonly value: string;
  readonly type: ParameterType;
  readonly version: number;
}

/** The four SSM calls the config bus makes, each retried on throttling. */
export interface SsmStore {
  /** The parameter, or undefined when SSM says `ParameterNotFound`. */
  get(name: string): Promise<StoredParameter | undefined>;
  /** Every parameter below `path` (recursive), following `NextToken` to the last page. */
  getByPath(path: string): Promise<StoredParameter[]>;
  put(
    name: string,
    value: string,
    options: { readonly secure: boolean; readonly overwrite: boolean },
  ): Promise<{ version: number }>;
  /** True when deleted, false when it was not there. */
  delete(name: string): Promise<boolean>;
}

function isNamed(error: unknown, name: string): boolean {
  return error instanceof Error && error.name === name;
}

function stored(p: Parameter): StoredParameter {
  return {
    name: p.Name ?? '',
    value: p.Value ?? '',
    type: (p.Type ?? 'String') as ParameterType,
    version: p.Version ?? 0,
  };
}

/** Thin adapter over SDK v3's SSMClient. */
export function ssmStore(client: SSMClient, retry: RetryPolicy = {}): SsmStore {
  return {
    async get(name) {
      try {
        const out = await withRetry(
          () => client.send(new GetParameterCommand({ Name: name, WithDecryption: true })),
          retry,
        );
        return out.Parameter ? stored(out.Parameter) : undefined;
      } catch (error) {
        if (isNamed(error, 'ParameterNotFound')) return undefined;
        throw error;
      }
    },

    async getByPath(path) {
      const all: StoredParameter[] = [];
      let token: string | undefined;
      do {
        const out = await withRetry(
          () =>
            client.send(
              new GetParametersByPathCommand({
                Path: path,
                Recursive: true,
                WithDecryption: true,
                MaxResults: 10,
                NextToken: token,
              }),
            ),
          retry,
        );
        for (const p of out.Parameters ?? []) all.push(stored(p));
        token = out.NextToken;
      } while (token);
      return all;
    },

    async put(name, value, { secure, overwrite }) {
      try {
        const out = await withRetry(
          () =>
            client.send(
              new PutParameterCommand({
                Name: name,
                Value: value,
                Type: secure ? 'SecureString' : 'String',
                Overwrite: overwrite,
              }),
            ),
          retry,
        );
        return { version: out.Version ?? 0 };
      } catch (error) {
        if (isNamed(error, 'ParameterAlreadyExists')) throw new ParameterExistsError(name);
        throw error;
      }
    },

    async delete(name) {
      try {
        await withRetry(() => client.send(new DeleteParameterCommand({ Name: name })), retry);
        return true;
      } catch (error) {
        if (isNamed(error, 'ParameterNotFound')) return false;
        throw error;
      }
    },
  };
}
