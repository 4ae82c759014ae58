import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';

/**
 * A tiny local stand-in for SSM Parameter Store (AWS JSON 1.1 protocol, the four calls the config
 * bus makes) and for S3 PutObject/GetObject (path-style), so that the CLI can run as a real
 * process against it: point the process at `url` with AWS_ENDPOINT_URL_SSM / AWS_ENDPOINT_URL_S3
 * and dummy credentials. Not a general fake: unknown targets answer 400 so a new call shows up.
 */
interface FakeParameter {
  Name: string;
  Value: string;
  Type: 'String' | 'SecureString' | 'StringList';
  Version: number;
}

export interface FakeAws {
  readonly url: string;
  readonly parameters: Map<string, FakeParameter>;
  readonly objects: Map<string, string>;
  /** Every SSM call received: target (e.g. GetParameter) and its input. */
  readonly calls: { target: string; input: Record<string, unknown> }[];
  /** Answer the next `n` SSM calls with ThrottlingException. */
  throttleNext(n: number): void;
  /** Answer the next `n` SSM calls with this error type (e.g. AccessDeniedException). */
  failNext(n: number, type: string, message: string): void;
  /** Seed parameters (String, version 1). */
  seed(values: Record<string, string>): void;
  /** Parameters and objects as plain data, to compare before/after a command. */
  snapshot(): { parameters: Record<string, string>; objects: string[] };
  close(): Promise<void>;
}

function body(req: IncomingMessage): Promise<Buffer> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => resolve(Buffer.concat(chunks)));
    req.on('error', reject);
  });
}

/** Undo `Content-Encoding: aws-chunked` (the SDK may stream bodies with trailing checksums). */
function dechunk(raw: Buffer): string {
  let out = '';
  let rest = raw.toString('utf8');
  for (;;) {
    const eol = rest.indexOf('\r\n');
    if (eol < 0) break;
    const size = parseInt(rest.slice(0, eol).split(';')[0] ?? '0', 16);
    if (!size) break;
    out += rest.slice(eol + 2, eol + 2 + size);
    rest = rest.slice(eol + 2 + size + 2);
  }
  return out;
}

export async function startFakeAws(): Promise<FakeAws> {
  const parameters = new Map<string, FakeParameter>();
  const objects = new Map<string, string>();
  const calls: FakeAws['calls'] = [];
  let failures: { left: number; type: string; message: string } = {
    left: 0,
    type: '',
    message: '',
  };

  const json = (res: ServerResponse, status: number, payload: unknown): void => {
    res.writeHead(status, { 'content-type': 'application/x-amz-json-1.1' });
    res.end(JSON.stringify(payload));
  };
  const fail = (res: ServerResponse, type: string, message: string): void =>
    json(res, 400, { __type: type, message });

  const ssm = (target: string, input: Record<string, unknown>, res: ServerResponse): void => {
    calls.push({ target, input });
    if (failures.left > 0) {
      failures.left--;
      return fail(res, failures.type, failures.message);
    }
    const name = String(input.Name ?? '');
    switch (target) {
      case 'GetParameter': {
        const p = parameters.get(name);
        return p
          ? json(res, 200, { Parameter: { ...p, DataType: 'text' } })
          : fail(res, 'ParameterNotFound', `Parameter ${name} not found.`);
      }
      case 'GetParametersByPath': {
        const path = String(input.Path ?? '').replace(/\/$/, '');
        const recursive = input.Recursive === true;
        const matching = [...parameters.values()]
          .filter((p) => {
            if (!p.Name.startsWith(`${path}/`)) return false;
            return recursive || !p.Name.slice(path.length + 1).includes('/');
          })
          .sort((a, b) => a.Name.localeCompare(b.Name));
        const start = Number(input.NextToken ?? 0);
        const size = Number(input.MaxResults ?? 10);
        const page = matching.slice(start, start + size);
        return json(res, 200, {
          Parameters: page,
          ...(start + size < matching.length ? { NextToken: String(start + size) } : {}),
        });
      }
      case 'PutParameter': {
        const old = parameters.get(name);
        if (old && input.Overwrite !== true)
          return fail(res, 'ParameterAlreadyExists', 'The parameter already exists.');
        const value = String(input.Value ?? '');
        if (Buffer.byteLength(value) > 4096)
          return fail(
            res,
            'ValidationException',
            'Standard tier parameters support a maximum parameter value of 4096 characters.',
          );
        const Version = (old?.Version ?? 0) + 1;
        parameters.set(name, {
          Name: name,
          Value: value,
          Type: (input.Type as FakeParameter['Type']) ?? 'String',
          Version,
        });
        return json(res, 200, { Version, Tier: 'Standard' });
      }
      case 'DeleteParameter':
        return parameters.delete(name)
          ? json(res, 200, {})
          : fail(res, 'ParameterNotFound', `Parameter ${name} not found.`);
      default:
        return fail(res, 'UnknownOperationException', `fake SSM does not implement ${target}`);
    }
  };

  const server: Server = createServer((req, res) => {
    void (async () => {
      const raw = await body(req);
      const target = req.headers['x-amz-target'];
      if (typeof target === 'string' && target.startsWith('AmazonSSM.')) {
        return ssm(
          target.slice('AmazonSSM.'.length),
          JSON.parse(raw.toString('utf8') || '{}'),
          res,
        );
      }
      // S3, path-style: /<bucket>/<key>
      const path = decodeURIComponent(new URL(req.url ?? '/', 'http://x').pathname).slice(1);
      if (req.method === 'PUT') {
        const chunked = String(req.headers['content-encoding'] ?? '').includes('aws-chunked');
        objects.set(path, chunked ? dechunk(raw) : raw.toString('utf8'));
        res.writeHead(200, { etag: '"fake"' });
        return res.end();
      }
      if (req.method === 'GET' && objects.has(path)) {
        res.writeHead(200, { 'content-type': 'application/json' });
        return res.end(objects.get(path));
      }
      res.writeHead(404, { 'content-type': 'application/xml' });
      res.end('<Error><Code>NoSuchKey</Code><Message>not found</Message></Error>');
    })();
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}`,
    parameters,
    objects,
    calls,
    throttleNext: (n) =>
      void (failures = { left: n, type: 'ThrottlingException', message: 'Rate exceeded' }),
    failNext: (n, type, message) => void (failures = { left: n, type, message }),
    seed(values) {
      for (const [Name, Value] of Object.entries(values))
        parameters.set(Name, { Name, Value, Type: 'String', Version: 1 });
    },
    snapshot: () => ({
      parameters: Object.fromEntries([...parameters].map(([k, v]) => [k, v.Value])),
      objects: [...objects.keys()].sort(),
    }),
    close: () => new Promise<void>((r) => server.close(() => r())),
  };
}
