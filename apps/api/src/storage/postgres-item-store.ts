import pg from 'pg';
import type { Pool, PoolConfig } from 'pg';
import type { Attachment, Item, ItemPatch } from '../items/item.js';
import type { ItemStore } from './item-store.js';

export interface PostgresItemStoreOptions {
  /** Connection settings (host, port, user, password, database, ssl); ignored when `pool` is given. */
  readonly connection?: PoolConfig;
  /** An existing pool (closed by `close()`). */
  readonly pool?: Pool;
  /** Table name. @default 'items' */
  readonly table?: string;
}

interface Row {
  id: string;
  name: string;
  description: string | null;
  attachment: Attachment | null;
  created_at: Date;
  updated_at: Date;
}

const TABLE = /^[a-z_][a-z0-9_]{0,62}$/;
const COLUMNS = 'id, name, description, attachment, created_at, updated_at';
/** Any constant shared by every task of every environment: serializes schema creation. */
const SCHEMA_LOCK = 0x6272_656e;

function toItem(r: Row): Item {
  return {
    id: r.id,
    name: r.name,
    description: r.description,
    attachment: r.attachment,
    createdAt: r.created_at.toISOString(),
    updatedAt: r.updated_at.toISOString(),
  };
}

/** Items in PostgreSQL (Aurora PostgreSQL in AWS) through `pg`. */
export function createPostgresItemStore(options: PostgresItemStoreOptions): ItemStore {
  const table = options.table ?? 'items';
  if (!TABLE.test(table)) throw new Error(`bug: table name '${table}' is not a plain identifier`);
  const pool =
    options.pool ??
    new pg.Pool({
      max: 10,
      // Aurora Serverless v2 at 0 ACU pauses when idle and takes ~15 s to resume on the next
      // connection (docs/reference/aws-prices-and-durations.md): wait for it rather than fail
      // the first request after a quiet period.
      connectionTimeoutMillis: 30_000,
      idleTimeoutMillis: 30_000,
      query_timeout: 10_000,
      ...options.connection,
    });
  // An idle client losing its connection must not crash the process; the next query reconnects.
  pool.on('error', () => {});

  return {
    kind: 'postgres',
    async init() {
      const client = await pool.connect();
      try {
        await client.query('BEGIN');
        await client.query('SELECT pg_advisory_xact_lock($1)', [SCHEMA_LOCK]);
        await client.query(
          `CREATE TABLE IF NOT EXISTS ${table} (
             id uuid PRIMARY KEY,
             name text NOT NULL,
             description text,
             attachment jsonb,
             created_at timestamptz NOT NULL,
             updated_at timestamptz NOT NULL)`,
        );
        await client.query(
          `CREATE INDEX IF NOT EXISTS ${table}_newest ON ${table} (created_at DESC, id DESC)`,
        );
        await client.query('COMMIT');
      } catch (e) {
        await client.query('ROLLBACK').catch(() => {});
        throw e;
      } finally {
        client.release();
      }
    },
    async create(item) {
      const r = await pool.query<Row>(
        `INSERT INTO ${table} (${COLUMNS}) VALUES ($1, $2, $3, $4, $5, $6) RETURNING ${COLUMNS}`,
        [
          item.id,
          item.name,
          item.description,
          item.attachment === null ? null : JSON.stringify(item.attachment),
          item.createdAt,
          item.updatedAt,
        ],
      );
      return toItem(r.rows[0] as Row);
    },
    async get(id) {
      const r = await pool.query<Row>(`SELECT ${COLUMNS} FROM ${table} WHERE id = $1`, [id]);
      return r.rows[0] ? toItem(r.rows[0]) : undefined;
    },
    async list(limit) {
      const r = await pool.query<Row>(
        `SELECT ${COLUMNS} FROM ${table} ORDER BY created_at DESC, id DESC LIMIT $1`,
        [limit],
      );
      return r.rows.map(toItem);
    },
    async update(id, patch: ItemPatch, updatedAt) {
      const sets: string[] = [];
      const values: unknown[] = [id, updatedAt];
      const set = (column: string, value: unknown): void => {
        values.push(value);
        sets.push(`${column} = $${values.length}`);
      };
      if (patch.name !== undefined) set('name', patch.name);
      if (patch.description !== undefined) set('description', patch.description);
      if (patch.attachment !== undefined)
        set('attachment', patch.attachment === null ? null : JSON.stringify(patch.attachment));
      const r = await pool.query<Row>(
        `UPDATE ${table} SET ${[...sets, 'updated_at = $2'].join(', ')} WHERE id = $1 RETURNING ${COLUMNS}`,
        values,
      );
      return r.rows[0] ? toItem(r.rows[0]) : undefined;
    },
    async delete(id) {
      const r = await pool.query(`DELETE FROM ${table} WHERE id = $1`, [id]);
      return (r.rowCount ?? 0) > 0;
    },
    async ping() {
      await pool.query('SELECT 1');
    },
    async close() {
      await pool.end();
    },
  };
}
