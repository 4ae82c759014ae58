import { describe, expect, it } from 'vitest';
import { ConfigurationError } from '../src/configuration-error.js';
import { describeSettings, loadSettings } from '../src/settings.js';

function problems(env: Record<string, string>): readonly string[] {
  try {
    loadSettings(env);
  } catch (e) {
    if (e instanceof ConfigurationError) return e.problems;
    throw e;
  }
  throw new Error('expected a ConfigurationError');
}

const docdb = {
  DATABASE_ENGINE: 'documentdb',
  DATABASE_ENDPOINT: 'docdb.cluster-abc.eu-west-1.docdb.amazonaws.com:27017',
  DATABASE_USERNAME: 'app',
  DATABASE_PASSWORD: 's3cr3t-value',
  BRANCH_ENV_APP: 'demo',
  BRANCH_ENV_ENVIRONMENT: 'feature-x',
};

describe('loadSettings', () => {
  it('refuses to start without DATABASE_ENGINE (never a silent in-memory fallback)', () => {
    expect(problems({})).toEqual([
      'DATABASE_ENGINE is not set: set it to one of documentdb, aurora-postgres, mongodb-container, memory (memory only for local runs)',
    ]);
  });

  it('lists every missing DocumentDB setting at once', () => {
    expect(problems({ DATABASE_ENGINE: 'documentdb' })).toEqual([
      'DATABASE_ENDPOINT (host:port) is required for DATABASE_ENGINE=documentdb',
      'DATABASE_USERNAME is required for DATABASE_ENGINE=documentdb (ECS secret from Secrets Manager)',
      'DATABASE_PASSWORD is required for DATABASE_ENGINE=documentdb (ECS secret from Secrets Manager)',
    ]);
  });

  it.each([
    [{ DATABASE_ENGINE: 'dynamodb' }, /DATABASE_ENGINE='dynamodb' is not one of/],
    [{ DATABASE_ENGINE: 'mongodb-container' }, /DATABASE_ENDPOINT \(host:port\) is required/],
    [
      { DATABASE_ENGINE: 'mongodb-container', DATABASE_ENDPOINT: 'localhost' },
      /DATABASE_ENDPOINT='localhost' must be host:port/,
    ],
    [{ DATABASE_ENGINE: 'memory', PORT: 'eighty' }, /PORT='eighty' must be an integer/],
    [{ DATABASE_ENGINE: 'memory', CACHE_TTL_MS: '-1' }, /CACHE_TTL_MS='-1' must be an integer/],
    [
      { DATABASE_ENGINE: 'memory', BRANCH_ENV_APP: 'demo' },
      /set both BRANCH_ENV_APP and BRANCH_ENV_ENVIRONMENT/,
    ],
  ])('rejects %j', (env, message) => {
    expect(problems(env).join('\n')).toMatch(message);
  });

  it('reads a DocumentDB environment: TLS with the CA bundle, config bus on', () => {
    const s = loadSettings({
      ...docdb,
      BRANCH_ENV_BRANCH: 'feature/x',
      DATA_BUCKET: 'b',
      PORT: '3000',
    });
    expect(s).toMatchObject({
      port: 3000,
      app: 'demo',
      environment: 'feature-x',
      branch: 'feature/x',
      configBus: true,
      dataBucket: 'b',
      database: {
        engine: 'documentdb',
        host: 'docdb.cluster-abc.eu-west-1.docdb.amazonaws.com',
        port: 27017,
        tls: true,
        caFile: '/app/certs/global-bundle.pem',
      },
    });
  });

  it('reads the preview sidecar without TLS, with the credentials the sidecar starts with', () => {
    const s = loadSettings({
      DATABASE_ENGINE: 'mongodb-container',
      DATABASE_ENDPOINT: 'localhost:27017',
      DATABASE_USERNAME: 'branchenv',
      DATABASE_PASSWORD: 'generated',
    });
    expect(s.database).toMatchObject({
      engine: 'mongodb-container',
      host: 'localhost',
      port: 27017,
      tls: false,
      username: 'branchenv',
      password: 'generated',
    });
    expect(s.configBus).toBe(false);
  });

  it('fails for the preview sidecar without its credentials (the sidecar runs mongod --auth)', () => {
    expect(() =>
      loadSettings({ DATABASE_ENGINE: 'mongodb-container', DATABASE_ENDPOINT: 'localhost:27017' }),
    ).toThrow(
      /DATABASE_USERNAME is required for DATABASE_ENGINE=mongodb-container[\s\S]*DATABASE_PASSWORD is required/,
    );
  });

  it('uses memory only when asked explicitly', () => {
    expect(loadSettings({ DATABASE_ENGINE: 'memory' }).database.engine).toBe('memory');
  });

  it('never puts the password in what it logs', () => {
    const described = JSON.stringify(describeSettings(loadSettings(docdb)));
    expect(described).not.toContain('s3cr3t-value');
    expect(described).toContain('"passwordSet":true');
  });
});
