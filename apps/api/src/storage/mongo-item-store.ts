import { MongoClient } from 'mongodb';
import type { Collection, MongoClientOptions } from 'mongodb';
import type { Attachment, Item, ItemPatch } from '../items/item.js';
import type { DatabaseSettings } from '../settings.js';
import type { ItemStore } from './item-store.js';

export interface MongoItemStoreOptions {
  /** mongodb:// URL without credentials (see `mongoConnection`). */
  readonly url: string;
  readonly clientOptions?: MongoClientOptions;
  /** @default 'branch_env' */
  readonly database?: string;
  /** @default 'items' */
  readonly collection?: string;
}

interface ItemDocument {
  _id: string;
  name: string;
  description: string | null;
  attachment: Attachment | null;
  createdAt: Date;
  updatedAt: Date;
}

function toItem(d: ItemDocument): Item {
  return {
    id: d._id,
    name: d.name,
    description: d.description,
    attachment: d.attachment,
    createdAt: d.createdAt.toISOString(),
    updatedAt: d.updatedAt.toISOString(),
  };
}

/**
 * URL and driver options for the two MongoDB-protocol engines. Credentials go in `auth`, never in
 * the URL (URLs end up in error messages).
 * - documentdb: TLS verified with the AWS CA bundle shipped in the image, replica set `rs0`, reads
 *   from the primary (a replica may lag: the page lists right after it creates, and must see the
 *   item), and `retryWrites=false` (DocumentDB has no retryable writes).
 * - mongodb-container: the preview profile's sidecar on localhost, without TLS (the traffic never
 *   leaves the task) but with the root user the sidecar is started with (`MONGO_INITDB_ROOT_*`,
 *   the same generated secret): the mongo image turns `--auth` on when those are set, so every
 *   command but `ping` would otherwise fail with "requires authentication".
 */
export function mongoConnection(db: DatabaseSettings): {
  url: string;
  options: MongoClientOptions;
} {
  if (db.engine !== 'documentdb' && db.engine !== 'mongodb-container')
    throw new Error(`bug: mongoConnection called for engine ${db.engine}`);
  const url = `mongodb://${db.host}:${db.port}/`;
  const common: MongoClientOptions = {
    serverSelectionTimeoutMS: 5_000,
    connectTimeoutMS: 5_000,
    maxPoolSize: 20,
    appName: 'branch-env-api',
  };
  const auth = { username: db.username ?? '', password: db.password ?? '' };
  if (db.engine === 'mongodb-container')
    return {
      url,
      options: { ...common, directConnection: true, retryWrites: false, auth, authSource: 'admin' },
    };
  return {
    url,
    options: {
      ...common,
      tls: true,
      tlsCAFile: db.caFile,
      replicaSet: 'rs0',
      readPreference: 'primary',
      retryWrites: false,
      auth,
    },
  };
}

/** Items in MongoDB: Amazon DocumentDB in full/production, the sidecar container in preview. */
export function createMongoItemStore(options: MongoItemStoreOptions): ItemStore {
  const client = new MongoClient(options.url, options.clientOptions);
  const items: Collection<ItemDocument> = client
    .db(options.database ?? 'branch_env')
    .collection<ItemDocument>(options.collection ?? 'items');

  return {
    kind: 'mongodb',
    async init() {
      await client.connect();
      await items.createIndex({ createdAt: -1, _id: -1 }, { name: 'newest' });
    },
    async create(item) {
      const doc: ItemDocument = {
        _id: item.id,
        name: item.name,
        description: item.description,
        attachment: item.attachment,
        createdAt: new Date(item.createdAt),
        updatedAt: new Date(item.updatedAt),
      };
      await items.insertOne(doc);
      return toItem(doc);
    },
    async get(id) {
      const d = await items.findOne({ _id: id });
      return d ? toItem(d) : undefined;
    },
    async list(limit) {
      const docs = await items.find({}).sort({ createdAt: -1, _id: -1 }).limit(limit).toArray();
      return docs.map(toItem);
    },
    async update(id, patch: ItemPatch, updatedAt) {
      const set: Partial<ItemDocument> = { updatedAt: new Date(updatedAt) };
      if (patch.name !== undefined) set.name = patch.name;
      if (patch.description !== undefined) set.description = patch.description;
      if (patch.attachment !== undefined) set.attachment = patch.attachment;
      const d = await items.findOneAndUpdate(
        { _id: id },
        { $set: set },
        { returnDocument: 'after' },
      );
      return d ? toItem(d) : undefined;
    },
    async delete(id) {
      const r = await items.deleteOne({ _id: id });
      return r.deletedCount > 0;
    },
    async ping() {
      await client.db('admin').command({ ping: 1 });
    },
    async close() {
      await client.close();
    },
  };
}
