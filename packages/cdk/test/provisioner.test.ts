import { CloudFormationClient, DescribeStacksCommand } from '@aws-sdk/client-cloudformation';
import { InvokeCommand, LambdaClient } from '@aws-sdk/client-lambda';
import {
  DescribeSecretCommand,
  GetSecretValueCommand,
  SecretsManagerClient,
} from '@aws-sdk/client-secrets-manager';
import { mockClient } from 'aws-sdk-client-mock';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { provisionerAws } from '../src/platform/provisioner/aws.js';
import {
  actionOf,
  checkSecret,
  documentDbCreate,
  documentDbDrop,
  enginesOf,
  postgresCreate,
  postgresDrop,
  quoteIdentifier,
  quoteLiteral,
  Refusal,
  responseOf,
  STACK_ID_TAG,
  targetOf,
  type CustomResourceEvent,
  type StackFacts,
  type Target,
} from '../src/platform/provisioner/decide.js';
import { execute, runSql, type SqlSession } from '../src/platform/provisioner/executor.js';
import { provision, settingsFrom, type Settings } from '../src/platform/provisioner/handler.js';

const STACK_ID =
  'arn:aws:cloudformation:us-east-1:111111111111:stack/shop-feature-a/0f0e0d0c-1111-2222-3333-444455556666';
const OTHER_STACK_ID =
  'arn:aws:cloudformation:us-east-1:111111111111:stack/shop-feature-b/9f9e9d9c-1111-2222-3333-444455556666';
const SECRET_ARN = 'arn:aws:secretsmanager:us-east-1:111111111111:secret:SharedDbSecret-AbCdEf';
const MASTER_ARN =
  'arn:aws:secretsmanager:us-east-1:111111111111:secret:shop-platform/databases/aurora-postgres/master-XyZ';
const PASSWORD = 'Abcdefghij0123456789Abcdefghij01';

function event(over: Partial<CustomResourceEvent> = {}, props: Record<string, unknown> = {}) {
  return {
    RequestType: 'Create',
    ResponseURL: 'https://cloudformation-custom-resource-response.s3.amazonaws.com/x',
    StackId: STACK_ID,
    RequestId: 'req-1',
    LogicalResourceId: 'SharedDatabase',
    ResourceType: 'Custom::SharedDatabase',
    ResourceProperties: {
      ServiceToken: 'arn:aws:lambda:us-east-1:111111111111:function:shop-platform-Provisioner',
      Engine: 'aurora-postgres',
      EnvironmentName: 'feature-a',
      SecretArn: SECRET_ARN,
      ...props,
    },
    ...over,
  } as CustomResourceEvent;
}

const stack = (over: Partial<StackFacts> = {}, tags: Record<string, string> = {}): StackFacts => ({
  stackId: STACK_ID,
  stackName: 'shop-feature-a',
  status: 'CREATE_IN_PROGRESS',
  tags: { 'branch-env:app': 'shop', 'branch-env:environment': 'feature-a', ...tags },
  ...over,
});

const settings: Settings = {
  app: 'shop',
  engines: ['aurora-postgres', 'documentdb'],
  clusters: {
    'aurora-postgres': { host: 'aurora.example', port: 5432, masterSecretArn: MASTER_ARN },
    documentdb: { host: 'docdb.example', port: 27017, masterSecretArn: `${MASTER_ARN}-d` },
  },
};

const target: Target = {
  engine: 'aurora-postgres',
  environment: 'feature-a',
  database: 'env_feature_a',
  user: 'env_feature_a',
  physicalResourceId: 'aurora-postgres/env_feature_a',
};

describe('who is asking: the requesting stack, not the request', () => {
  it("derives the database and user from the stack's environment tag", () => {
    expect(targetOf(event(), stack(), settings)).toEqual(target);
  });

  it.each([
    [
      'another environment named in the request',
      event({}, { EnvironmentName: 'feature-b' }),
      stack(),
      /names environment 'feature-b' but stack shop-feature-a is environment 'feature-a'/,
    ],
    [
      'a stack tagged as another environment',
      event(),
      stack({}, { 'branch-env:environment': 'feature-b' }),
      /names environment 'feature-a' but stack .* is environment 'feature-b'/,
    ],
    [
      "a stack whose name is not the environment's stack",
      event({}, { EnvironmentName: 'feature-b' }),
      stack({}, { 'branch-env:environment': 'feature-b' }),
      /is not the stack of environment 'feature-b' \(shop-feature-b\)/,
    ],
    [
      'a stack of another app',
      event(),
      stack({}, { 'branch-env:app': 'other' }),
      /is not an environment of shop/,
    ],
    [
      'a stack without the environment tag',
      event(),
      {
        stackId: STACK_ID,
        stackName: 'shop-feature-a',
        status: 'UPDATE_IN_PROGRESS',
        tags: { 'branch-env:app': 'shop' },
      },
      /has no branch-env:environment tag/,
    ],
    [
      'an engine the platform lacks',
      event({}, { Engine: 'mysql' }),
      stack(),
      /engine 'mysql' is not one of the platform's shared databases/,
    ],
    [
      'a stack at rest (a direct invocation, not CloudFormation)',
      event(),
      stack({ status: 'UPDATE_COMPLETE' }),
      /is UPDATE_COMPLETE: requests come from CloudFormation during a stack operation only/,
    ],
    [
      'facts of another stack',
      event(),
      stack({ stackId: OTHER_STACK_ID }),
      /not the stack that sent the request/,
    ],
  ])('refuses %s', (_what, e, s, message) => {
    expect(() => targetOf(e, s, settings)).toThrow(Refusal);
    expect(() => targetOf(e, s, settings)).toThrow(message);
  });

  it('refuses a secret that another stack created, or that is not a secret ARN', () => {
    expect(() =>
      checkSecret(event(), { arn: SECRET_ARN, tags: { [STACK_ID_TAG]: OTHER_STACK_ID } }),
    ).toThrow(/was not created by the requesting stack/);
    expect(() =>
      checkSecret(event({}, { SecretArn: 'x' }), { arn: 'x', tags: { [STACK_ID_TAG]: STACK_ID } }),
    ).toThrow(/is not a Secrets Manager secret ARN/);
    expect(() =>
      checkSecret(event(), { arn: SECRET_ARN, tags: { [STACK_ID_TAG]: STACK_ID } }),
    ).not.toThrow();
  });
});

describe('what to do', () => {
  it('creates on Create and Update (idempotent), drops on Delete of its own physical id', () => {
    expect(actionOf(event(), target).kind).toBe('create');
    expect(actionOf(event({ RequestType: 'Update' }), target).kind).toBe('create');
    expect(
      actionOf(
        event({ RequestType: 'Delete', PhysicalResourceId: 'aurora-postgres/env_feature_a' }),
        target,
      ).kind,
    ).toBe('drop');
  });

  it("does nothing (and succeeds) on a Delete of a failed Create's placeholder", () => {
    const action = actionOf(
      event({ RequestType: 'Delete', PhysicalResourceId: 'failed/req-0' }),
      target,
    );
    expect(action).toMatchObject({ kind: 'nothing', physicalResourceId: 'failed/req-0' });
  });

  it('reads the engines of its settings', () => {
    expect(enginesOf('documentdb, aurora-postgres,mysql')).toEqual([
      'documentdb',
      'aurora-postgres',
    ]);
    expect(enginesOf(undefined)).toEqual([]);
  });
});

describe('statements', () => {
  it('quotes only safe identifiers and literals', () => {
    expect(quoteIdentifier('env_a')).toBe('"env_a"');
    expect(() => quoteIdentifier('env"; DROP DATABASE x; --')).toThrow(/not a safe identifier/);
    expect(() => quoteIdentifier('Env')).toThrow(/not a safe identifier/);
    expect(quoteLiteral("it's")).toBe("'it''s'");
    expect(() => quoteLiteral('a\\b')).toThrow(/backslash/);
  });

  it('creates a PostgreSQL role and database that only the role (and the owner) may connect to', () => {
    const steps = postgresCreate(target, PASSWORD);
    expect(steps.map((s) => [s.database, s.sql.replace(PASSWORD, '<pw>'), s.ignore])).toEqual([
      [
        'postgres',
        'CREATE ROLE "env_feature_a" WITH LOGIN NOSUPERUSER NOCREATEDB NOCREATEROLE NOINHERIT PASSWORD \'<pw>\'',
        ['42710'],
      ],
      [
        'postgres',
        'ALTER ROLE "env_feature_a" WITH LOGIN NOSUPERUSER NOCREATEDB NOCREATEROLE NOINHERIT PASSWORD \'<pw>\'',
        undefined,
      ],
      ['postgres', 'CREATE DATABASE "env_feature_a"', ['42P04']],
      ['postgres', 'REVOKE ALL ON DATABASE "env_feature_a" FROM PUBLIC', undefined],
      [
        'postgres',
        'GRANT CONNECT, TEMPORARY ON DATABASE "env_feature_a" TO "env_feature_a"',
        undefined,
      ],
      ['postgres', 'REVOKE CONNECT ON DATABASE postgres FROM PUBLIC', undefined],
      ['postgres', 'REVOKE CONNECT ON DATABASE template1 FROM PUBLIC', undefined],
      ['env_feature_a', 'GRANT USAGE, CREATE ON SCHEMA public TO "env_feature_a"', undefined],
    ]);
    // The password never reaches a description (what is logged and returned).
    for (const s of steps) expect(s.describe).not.toContain(PASSWORD);
  });

  it('refuses a password that is not 16-128 letters and digits', () => {
    expect(() => postgresCreate(target, "short'")).toThrow(/no password of 16-128/);
    expect(() => documentDbCreate(target, '', false)).toThrow(/no password/);
  });

  it('drops a PostgreSQL database (ending its sessions) and role, absent ones included', () => {
    expect(postgresDrop(target).map((s) => s.sql)).toEqual([
      'DROP DATABASE IF EXISTS "env_feature_a" WITH (FORCE)',
      'DROP ROLE IF EXISTS "env_feature_a"',
    ]);
  });

  it('creates a DocumentDB user with readWrite on its own database only, or updates it', () => {
    const roles = [{ role: 'readWrite', db: 'env_feature_a' }];
    expect(documentDbCreate(target, PASSWORD, false).map((s) => s.command)).toEqual([
      { createUser: 'env_feature_a', pwd: PASSWORD, roles },
    ]);
    expect(documentDbCreate(target, PASSWORD, true).map((s) => s.command)).toEqual([
      { updateUser: 'env_feature_a', pwd: PASSWORD, roles },
    ]);
    for (const s of documentDbCreate(target, PASSWORD, true))
      expect(s.describe).not.toContain(PASSWORD);
  });

  it('drops a DocumentDB user only when it exists, and the database either way', () => {
    expect(documentDbDrop(target, true).map((s) => [s.database, s.command])).toEqual([
      ['admin', { dropUser: 'env_feature_a' }],
      ['env_feature_a', { dropDatabase: 1 }],
    ]);
    expect(documentDbDrop(target, false).map((s) => s.command)).toEqual([{ dropDatabase: 1 }]);
  });
});

describe('the executor runs the steps', () => {
  function fakeSql(failures: Record<string, string> = {}) {
    const log: string[] = [];
    const connect = async (database: string): Promise<SqlSession> => ({
      query: async (sql: string) => {
        log.push(`${database}: ${sql}`);
        const code = Object.entries(failures).find(([p]) => sql.startsWith(p))?.[1];
        if (code !== undefined) throw Object.assign(new Error(`failed ${code}`), { code });
        return {};
      },
      end: async () => {
        log.push(`${database}: end`);
      },
    });
    return { log, connect };
  }

  it('counts "already exists" as done (a second Create succeeds)', async () => {
    const fake = fakeSql({ 'CREATE ROLE': '42710', 'CREATE DATABASE': '42P04' });
    const done = await runSql(postgresCreate(target, PASSWORD), fake.connect);
    expect(done[0]).toMatch(/\(already so\)$/);
    expect(done[2]).toBe('CREATE DATABASE "env_feature_a" (already so)');
    expect(fake.log.filter((l) => l.endsWith('end'))).toEqual([
      'postgres: end',
      'env_feature_a: end',
    ]);
  });

  it('fails on any other error, naming the statement but not the password', async () => {
    const fake = fakeSql({ 'ALTER ROLE': '42501' });
    const error = await runSql(postgresCreate(target, PASSWORD), fake.connect).catch((e) => e);
    expect(String(error)).toMatch(/ALTER ROLE "env_feature_a" .* failed: 42501/);
    expect(String(error)).not.toContain(PASSWORD);
    expect(fake.log).toContain('postgres: end');
  });

  it('asks DocumentDB whether the user exists, then drops it and the database', async () => {
    const commands: unknown[] = [];
    const result = await execute(
      {
        engine: 'documentdb',
        action: 'drop',
        host: 'h',
        port: 27017,
        master: { username: 'm', password: 'p' },
        target: { ...target, engine: 'documentdb' },
      },
      {
        sql: () => Promise.reject(new Error('no sql here')),
        mongo: async () => ({
          command: async (db, c) => {
            commands.push([db, c]);
            return 'usersInfo' in c ? { users: [{ user: 'env_feature_a' }] } : { ok: 1 };
          },
          close: async () => undefined,
        }),
      },
    );
    expect(commands).toEqual([
      ['admin', { usersInfo: 'env_feature_a' }],
      ['admin', { dropUser: 'env_feature_a' }],
      ['env_feature_a', { dropDatabase: 1 }],
    ]);
    expect(result.done).toEqual(['dropUser env_feature_a', 'dropDatabase env_feature_a']);
  });
});

describe('the provisioner (AWS calls mocked)', () => {
  const cfn = mockClient(CloudFormationClient);
  const sm = mockClient(SecretsManagerClient);
  const lambda = mockClient(LambdaClient);
  afterEach(() => {
    cfn.reset();
    sm.reset();
    lambda.reset();
  });
  const aws = () =>
    provisionerAws({
      cloudformation: new CloudFormationClient({ region: 'us-east-1' }),
      secrets: new SecretsManagerClient({ region: 'us-east-1' }),
      lambda: new LambdaClient({ region: 'us-east-1' }),
      executor: 'shop-platform-Executor',
    });
  const stackTags = (environment: string) => [
    { Key: 'branch-env:app', Value: 'shop' },
    { Key: 'branch-env:environment', Value: environment },
  ];

  it('creates: reads the stack, checks the secret, reads both secrets, invokes the executor', async () => {
    cfn.on(DescribeStacksCommand, { StackName: STACK_ID }).resolves({
      Stacks: [
        {
          StackId: STACK_ID,
          StackName: 'shop-feature-a',
          Tags: stackTags('feature-a'),
          CreationTime: new Date(),
          StackStatus: 'CREATE_IN_PROGRESS',
        },
      ],
    });
    sm.on(DescribeSecretCommand, { SecretId: SECRET_ARN }).resolves({
      ARN: SECRET_ARN,
      Tags: [{ Key: STACK_ID_TAG, Value: STACK_ID }],
    });
    sm.on(GetSecretValueCommand, { SecretId: MASTER_ARN }).resolves({
      SecretString: JSON.stringify({ username: 'branchenvadmin', password: 'master-pw' }),
    });
    sm.on(GetSecretValueCommand, { SecretId: SECRET_ARN }).resolves({
      SecretString: JSON.stringify({ username: 'env_feature_a', password: PASSWORD }),
    });
    lambda.on(InvokeCommand).resolves({
      Payload: new TextEncoder().encode(
        JSON.stringify({ done: ['CREATE DATABASE "env_feature_a"'] }),
      ),
    });

    const response = await provision(event(), settings, aws());

    expect(response).toMatchObject({
      Status: 'SUCCESS',
      PhysicalResourceId: 'aurora-postgres/env_feature_a',
      Data: { DatabaseName: 'env_feature_a', Username: 'env_feature_a' },
    });
    const invoke = lambda.commandCalls(InvokeCommand)[0]!.args[0].input;
    expect(invoke.FunctionName).toBe('shop-platform-Executor');
    const payload = JSON.parse(new TextDecoder().decode(invoke.Payload as Uint8Array));
    expect(payload).toEqual({
      engine: 'aurora-postgres',
      action: 'create',
      host: 'aurora.example',
      port: 5432,
      master: { username: 'branchenvadmin', password: 'master-pw' },
      target,
      password: PASSWORD,
    });
    // The response CloudFormation stores carries no credential.
    expect(JSON.stringify(response)).not.toMatch(/master-pw|Abcdefghij0123/);
  });

  it("fails (and invokes nothing) when a stack asks for another environment's database", async () => {
    cfn.on(DescribeStacksCommand).resolves({
      Stacks: [
        {
          StackId: STACK_ID,
          StackName: 'shop-feature-a',
          Tags: stackTags('feature-a'),
          CreationTime: new Date(),
          StackStatus: 'UPDATE_IN_PROGRESS',
        },
      ],
    });
    const response = await provision(event({}, { EnvironmentName: 'feature-b' }), settings, aws());
    expect(response).toMatchObject({ Status: 'FAILED', PhysicalResourceId: 'failed/req-1' });
    expect(response.Reason).toMatch(/names environment 'feature-b'/);
    expect(lambda.commandCalls(InvokeCommand)).toHaveLength(0);
    expect(sm.commandCalls(GetSecretValueCommand)).toHaveLength(0);
  });

  it('drops on Delete without reading the environment secret, and reports executor errors', async () => {
    cfn.on(DescribeStacksCommand).resolves({
      Stacks: [
        {
          StackId: STACK_ID,
          StackName: 'shop-feature-a',
          Tags: stackTags('feature-a'),
          CreationTime: new Date(),
          StackStatus: 'DELETE_IN_PROGRESS',
        },
      ],
    });
    sm.on(GetSecretValueCommand, { SecretId: MASTER_ARN }).resolves({
      SecretString: JSON.stringify({ username: 'branchenvadmin', password: 'master-pw' }),
    });
    lambda.on(InvokeCommand).resolves({
      FunctionError: 'Unhandled',
      Payload: new TextEncoder().encode(
        JSON.stringify({ errorMessage: 'DROP ROLE IF EXISTS "env_feature_a" failed: 2BP01' }),
      ),
    });
    const response = await provision(
      event({ RequestType: 'Delete', PhysicalResourceId: 'aurora-postgres/env_feature_a' }),
      settings,
      aws(),
    );
    expect(response.Status).toBe('FAILED');
    expect(response.Reason).toMatch(/the executor failed: DROP ROLE .* 2BP01/);
    expect(response.PhysicalResourceId).toBe('aurora-postgres/env_feature_a');
    expect(sm.commandCalls(DescribeSecretCommand)).toHaveLength(0);
    const payload = JSON.parse(
      new TextDecoder().decode(
        lambda.commandCalls(InvokeCommand)[0]!.args[0].input.Payload as Uint8Array,
      ),
    );
    expect(payload).not.toHaveProperty('password');
    expect(payload.action).toBe('drop');
  });

  it('succeeds on a Delete for a cluster the platform no longer has, calling nothing', async () => {
    const response = await provision(
      event(
        { RequestType: 'Delete', PhysicalResourceId: 'documentdb/env_feature_a' },
        { Engine: 'documentdb' },
      ),
      { ...settings, engines: ['aurora-postgres'] },
      aws(),
    );
    expect(response).toMatchObject({
      Status: 'SUCCESS',
      PhysicalResourceId: 'documentdb/env_feature_a',
    });
    expect(cfn.calls()).toHaveLength(0);
    expect(lambda.calls()).toHaveLength(0);
  });

  it('reads its settings from the environment the platform stack sets', () => {
    expect(
      settingsFrom({
        APP: 'shop',
        ENGINES: 'aurora-postgres',
        AURORA_POSTGRES_HOST: 'h',
        AURORA_POSTGRES_PORT: '5432',
        AURORA_POSTGRES_MASTER_SECRET_ARN: MASTER_ARN,
      }),
    ).toEqual({
      app: 'shop',
      engines: ['aurora-postgres'],
      clusters: { 'aurora-postgres': { host: 'h', port: 5432, masterSecretArn: MASTER_ARN } },
    });
  });
});

describe('the response', () => {
  it('is short and names the placeholder of a failed create', () => {
    const r = responseOf(event(), { ok: false, reason: 'x'.repeat(5000) });
    expect(r.Reason).toHaveLength(1000);
    expect(r).toMatchObject({
      Status: 'FAILED',
      PhysicalResourceId: 'failed/req-1',
      StackId: STACK_ID,
      RequestId: 'req-1',
      LogicalResourceId: 'SharedDatabase',
    });
  });

  it('is PUT to the response URL', async () => {
    const { respond } = await import('../src/private/cfn-response.js');
    const fetchMock = vi.fn(async () => new Response(null, { status: 200 }));
    vi.stubGlobal('fetch', fetchMock);
    try {
      await respond('https://example.com/r', responseOf(event(), { ok: false, reason: 'no' }));
      const [url, init] = fetchMock.mock.calls[0] as unknown as [string, RequestInit];
      expect(url).toBe('https://example.com/r');
      expect(init.method).toBe('PUT');
      expect(JSON.parse(String(init.body))).toMatchObject({ Status: 'FAILED', Reason: 'no' });
    } finally {
      vi.unstubAllGlobals();
    }
  });
});
