import { MongoClient } from 'mongodb';
import pg from 'pg';
import {
  documentDbCreate,
  documentDbDrop,
  postgresCreate,
  postgresDrop,
  type ExecutorRequest,
  type ExecutorResult,
  type MongoStep,
  type SqlStep,
} from './decide.js';

/**
 * The platform's database executor: the only code that opens a connection to a shared cluster
 * (in the platform VPC, admitted by the cluster's security group, no route to AWS APIs needed).
 * Only the provisioner may invoke it; it runs the statements decide.ts builds for the target the
 * provisioner derived from the requesting stack. Its errors name statements, never credentials.
 */

/** What the SQL runner needs of a PostgreSQL client (pg.Client). */
export interface SqlSession {
  query(sql: string): Promise<unknown>;
  end(): Promise<void>;
}

/** Run the steps in order, one session per database; codes in `ignore` count as done. */
export async function runSql(
  steps: readonly SqlStep[],
  connect: (database: string) => Promise<SqlSession>,
): Promise<string[]> {
  const done: string[] = [];
  const sessions = new Map<string, SqlSession>();
  try {
    for (const step of steps) {
      let session = sessions.get(step.database);
      if (session === undefined) {
        session = await connect(step.database);
        sessions.set(step.database, session);
      }
      try {
        await session.query(step.sql);
        done.push(step.describe);
      } catch (error) {
        const code = (error as { code?: unknown }).code;
        if (typeof code === 'string' && step.ignore?.includes(code)) {
          done.push(`${step.describe} (already so)`);
          continue;
        }
        throw new Error(`${step.describe} failed: ${code ?? ''} ${(error as Error).message}`);
      }
    }
  } finally {
    for (const s of sessions.values()) await s.end().catch(() => undefined);
  }
  return done;
}

/** What the DocumentDB runner needs of a MongoClient. */
export interface MongoSession {
  command(database: string, command: Readonly<Record<string, unknown>>): Promise<unknown>;
}

async function userExists(session: MongoSession, user: string): Promise<boolean> {
  const info = (await session.command('admin', { usersInfo: user })) as { users?: unknown[] };
  return (info.users ?? []).length > 0;
}

async function runMongo(steps: readonly MongoStep[], session: MongoSession): Promise<string[]> {
  const done: string[] = [];
  for (const step of steps) {
    try {
      await session.command(step.database, step.command);
      done.push(step.describe);
    } catch (error) {
      throw new Error(`${step.describe} failed: ${(error as Error).message}`);
    }
  }
  return done;
}

export async function execute(
  request: ExecutorRequest,
  sessions: {
    readonly sql: (database: string) => Promise<SqlSession>;
    readonly mongo: () => Promise<MongoSession & { close(): Promise<void> }>;
  },
): Promise<ExecutorResult> {
  const { target } = request;
  if (request.engine === 'aurora-postgres') {
    const steps =
      request.action === 'create'
        ? postgresCreate(target, request.password ?? '')
        : postgresDrop(target);
    return { done: await runSql(steps, sessions.sql) };
  }
  const session = await sessions.mongo();
  try {
    const exists = await userExists(session, target.user);
    const steps =
      request.action === 'create'
        ? documentDbCreate(target, request.password ?? '', exists)
        : documentDbDrop(target, exists);
    return { done: await runMongo(steps, session) };
  } finally {
    await session.close().catch(() => undefined);
  }
}

export async function handler(request: ExecutorRequest): Promise<ExecutorResult> {
  const { host, port, master } = request;
  return execute(request, {
    sql: async (database) => {
      const client = new pg.Client({
        host,
        port,
        database,
        user: master.username,
        password: master.password,
        // The RDS CAs come with the runtime (NODE_EXTRA_CA_CERTS=/var/runtime/ca-cert.pem).
        ssl: { rejectUnauthorized: true },
        // A paused (0 ACU) cluster resumes on the first connection.
        connectionTimeoutMillis: 60_000,
        statement_timeout: 60_000,
      });
      await client.connect();
      return client;
    },
    mongo: async () => {
      const client = new MongoClient(`mongodb://${host}:${port}/`, {
        auth: { username: master.username, password: master.password },
        tls: true,
        replicaSet: 'rs0',
        readPreference: 'primary',
        retryWrites: false,
        serverSelectionTimeoutMS: 30_000,
      });
      await client.connect();
      return {
        command: (database, command) => client.db(database).command({ ...command }),
        close: () => client.close(),
      };
    },
  });
}
