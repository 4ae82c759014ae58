import {
  DeleteParameterCommand,
  GetParameterCommand,
  GetParametersByPathCommand,
  ParameterAlreadyExists,
  ParameterNotFound,
  PutParameterCommand,
  SSMClient,
  type Parameter,
} from '@aws-sdk/client-ssm';
import { mockClient } from 'aws-sdk-client-mock';

/** An SSMClient whose four calls are answered from a Map (aws-sdk-client-mock under the hood). */
export function memorySsm(initial: Record<string, string> = {}) {
  const client = new SSMClient({ region: 'us-east-1' });
  const mock = mockClient(client);
  const params = new Map<string, Parameter>(
    Object.entries(initial).map(([Name, Value]) => [
      Name,
      { Name, Value, Type: 'String', Version: 1 },
    ]),
  );
  const notFound = (name: string) =>
    new ParameterNotFound({ message: `${name} not found`, $metadata: { httpStatusCode: 400 } });
  mock.on(GetParameterCommand).callsFake((input: { Name: string }) => {
    const p = params.get(input.Name);
    if (!p) throw notFound(input.Name);
    return { Parameter: p };
  });
  mock
    .on(GetParametersByPathCommand)
    .callsFake((input: { Path: string; NextToken?: string; MaxResults?: number }) => {
      const all = [...params.values()]
        .filter((p) => (p.Name ?? '').startsWith(`${input.Path}/`))
        .sort((a, b) => (a.Name ?? '').localeCompare(b.Name ?? ''));
      const start = Number(input.NextToken ?? 0);
      const size = input.MaxResults ?? 10;
      const page = all.slice(start, start + size);
      return {
        Parameters: page,
        NextToken: start + size < all.length ? String(start + size) : undefined,
      };
    });
  mock
    .on(PutParameterCommand)
    .callsFake((input: { Name: string; Value: string; Type: string; Overwrite?: boolean }) => {
      const old = params.get(input.Name);
      if (old && !input.Overwrite)
        throw new ParameterAlreadyExists({ message: 'exists', $metadata: {} });
      const Version = (old?.Version ?? 0) + 1;
      params.set(input.Name, {
        Name: input.Name,
        Value: input.Value,
        Type: input.Type as Parameter['Type'],
        Version,
      });
      return { Version };
    });
  mock.on(DeleteParameterCommand).callsFake((input: { Name: string }) => {
    if (!params.delete(input.Name)) throw notFound(input.Name);
    return {};
  });
  return { client, mock, params };
}

/** Collects log lines. */
export function recordingLogger() {
  const lines: string[] = [];
  return {
    lines,
    logger: {
      info: (m: string) => lines.push(`info ${m}`),
      warn: (m: string) => lines.push(`warn ${m}`),
    },
  };
}
