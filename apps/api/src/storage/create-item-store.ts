import { readFileSync } from 'node:fs';
import type { DatabaseSettings } from '../settings.js';
import type { ItemStore } from './item-store.js';
import { createMemoryItemStore } from './memory-item-store.js';
import { createMongoItemStore, mongoConnection } from './mongo-item-store.js';
import { createPostgresItemStore } from './postgres-item-store.js';
import { ConfigurationError } from '../configuration-error.js';

function readCa(file: string): string {
  try {
    return readFileSync(file, 'utf8');
  } catch {
    throw new ConfigurationError([
      `DATABASE_CA_FILE '${file}' cannot be read: the image ships the AWS CA bundle there; set DATABASE_CA_FILE to its path`,
    ]);
  }
}

/** The adapter of the configured engine (loadSettings has already checked its settings). */
export function createItemStore(db: DatabaseSettings): ItemStore {
  switch (db.engine) {
    case 'memory':
      return createMemoryItemStore();
    case 'aurora-postgres':
      return createPostgresItemStore({
        connection: {
          host: db.host,
          port: db.port,
          user: db.username,
          password: db.password,
          database: db.name,
          ssl: db.tls ? { ca: readCa(db.caFile), rejectUnauthorized: true } : false,
        },
      });
    case 'documentdb':
    case 'mongodb-container': {
      if (db.tls) readCa(db.caFile); // fail fast with a clear message, before the driver does
      const { url, options } = mongoConnection(db);
      return createMongoItemStore({ url, clientOptions: options, database: db.name });
    }
  }
}
