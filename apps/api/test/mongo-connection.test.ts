import { describe, expect, it } from 'vitest';
import { loadSettings } from '../src/settings.js';
import { mongoConnection } from '../src/storage/mongo-item-store.js';

describe('mongoConnection', () => {
  it('DocumentDB: verified TLS with the shipped CA bundle, rs0, reads from the primary, no retryable writes, credentials outside the URL', () => {
    const s = loadSettings({
      DATABASE_ENGINE: 'documentdb',
      DATABASE_ENDPOINT: 'c.cluster-x.eu-west-1.docdb.amazonaws.com:27017',
      DATABASE_USERNAME: 'app',
      DATABASE_PASSWORD: 'p@ss:w/rd',
    });
    const { url, options } = mongoConnection(s.database);
    expect(url).toBe('mongodb://c.cluster-x.eu-west-1.docdb.amazonaws.com:27017/');
    expect(options).toMatchObject({
      tls: true,
      tlsCAFile: '/app/certs/global-bundle.pem',
      replicaSet: 'rs0',
      readPreference: 'primary',
      retryWrites: false,
      auth: { username: 'app', password: 'p@ss:w/rd' },
    });
    expect(options).not.toHaveProperty('tlsAllowInvalidCertificates');
    expect(options).not.toHaveProperty('tlsInsecure');
  });

  it('preview sidecar: plain connection to localhost as the root user the sidecar creates', () => {
    const s = loadSettings({
      DATABASE_ENGINE: 'mongodb-container',
      DATABASE_ENDPOINT: 'localhost:27017',
      DATABASE_USERNAME: 'branchenv',
      DATABASE_PASSWORD: 'p@ss:w/rd',
    });
    const { url, options } = mongoConnection(s.database);
    expect(url).toBe('mongodb://localhost:27017/');
    expect(options).toMatchObject({
      directConnection: true,
      retryWrites: false,
      auth: { username: 'branchenv', password: 'p@ss:w/rd' },
      authSource: 'admin',
    });
    expect(options).not.toHaveProperty('tls');
  });
});
