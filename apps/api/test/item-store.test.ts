import { randomBytes } from 'node:crypto';
import pg from 'pg';
import { describe } from 'vitest';
import { createMemoryItemStore } from '../src/storage/memory-item-store.js';
import { createMongoItemStore } from '../src/storage/mongo-item-store.js';
import { createPostgresItemStore } from '../src/storage/postgres-item-store.js';
import { describeWhenAvailable } from './availability.js';
import { itemStoreContract } from './item-store.contract.js';

const suffix = randomBytes(4).toString('hex');

itemStoreContract('memory', async () => ({
  store: createMemoryItemStore(),
  cleanup: async () => {},
}));

const postgresUrl = process.env.POSTGRES_URL;
describeWhenAvailable(
  'PostgreSQL adapter',
  postgresUrl
    ? undefined
    : 'POSTGRES_URL is not set (apt-get install -y postgresql; export POSTGRES_URL="$(bash apps/api/scripts/start-postgres.sh)")',
  () => {
    itemStoreContract(`postgres (${postgresUrl?.replace(/:[^:@/]+@/, ':***@')})`, async () => {
      const table = `items_test_${suffix}`;
      const store = createPostgresItemStore({
        connection: { connectionString: postgresUrl },
        table,
      });
      return {
        store,
        cleanup: async () => {
          await store.close();
          const c = new pg.Client({ connectionString: postgresUrl });
          await c.connect();
          await c.query(`DROP TABLE IF EXISTS ${table}`);
          await c.end();
        },
      };
    });
  },
);

// No MongoDB server is available to CI here: this suite runs whenever MONGODB_URL is set.
const mongoUrl = process.env.MONGODB_URL;
if (mongoUrl)
  itemStoreContract('mongodb (MONGODB_URL)', async () => {
    const collection = `items_test_${suffix}`;
    const store = createMongoItemStore({
      url: mongoUrl,
      clientOptions: { serverSelectionTimeoutMS: 5_000, retryWrites: false },
      collection,
    });
    return {
      store,
      cleanup: async () => {
        const { MongoClient } = await import('mongodb');
        const c = new MongoClient(mongoUrl);
        await c
          .db('branch_env')
          .collection(collection)
          .drop()
          .catch(() => {});
        await c.close();
        await store.close();
      },
    };
  });
else
  describe.skip('ItemStore contract: mongodb (set MONGODB_URL to run; no MongoDB in CI)', () => {});
