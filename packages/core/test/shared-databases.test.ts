import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import {
  physicalNameProblems,
  platformDatabaseIdentifier,
  SHARED_DATABASE_NAME,
  sharedDatabaseName,
} from '../src/index.js';

describe('sharedDatabaseName', () => {
  it.each([
    ['feature-new-login', 'env_feature_new_login'],
    ['sandbox', 'env_sandbox'],
    ['feature-x--k3j9a', 'env_feature_x__k3j9a'],
  ])('%s -> %s', (environment, name) => {
    expect(sharedDatabaseName(environment)).toBe(name);
  });

  it('shortens a long name to 63 characters with a hash, distinct per environment', () => {
    const a = sharedDatabaseName(`a${'-b'.repeat(40)}`);
    const b = sharedDatabaseName(`a${'-b'.repeat(40)}c`);
    expect(a).toHaveLength(63);
    expect(b).toHaveLength(63);
    expect(a).not.toBe(b);
  });

  it.each([
    ['an upper-case name', 'Feature'],
    ['a quote', "x'; DROP DATABASE postgres; --"],
    ['an empty name', ''],
    ['a leading digit', '1abc'],
    ['an underscore', 'a_b'],
  ])('fails for %s', (_what, environment) => {
    expect(() => sharedDatabaseName(environment)).toThrow(/is not an environment name/);
  });

  it('always gives a safe identifier, and distinct environments distinct names', () => {
    const environment = fc.stringMatching(/^[a-z][a-z0-9-]{0,100}$/);
    fc.assert(
      fc.property(environment, environment, (a, b) => {
        expect(sharedDatabaseName(a)).toMatch(SHARED_DATABASE_NAME);
        if (a !== b) expect(sharedDatabaseName(a)).not.toBe(sharedDatabaseName(b));
      }),
    );
  });
});

describe('platformDatabaseIdentifier', () => {
  it('names the shared clusters after the app', () => {
    expect(platformDatabaseIdentifier('shop', 'documentdb')).toBe('shop-platform-docdb');
    expect(platformDatabaseIdentifier('shop', 'aurora-postgres')).toBe('shop-platform-aurora');
  });

  it('gives valid DocumentDB/RDS identifiers, members and parameter group included, for any app', () => {
    // The config's app: 2-32 lowercase letters, digits and -, a letter first (runs of - allowed).
    const app = fc.stringMatching(/^[a-z][a-z0-9-]{0,30}[a-z0-9]$/);
    fc.assert(
      fc.property(app, fc.constantFrom('documentdb', 'aurora-postgres' as const), (a, engine) => {
        const id = platformDatabaseIdentifier(a, engine);
        for (const member of [id, `${id}-writer`, `${id}-1`, `${id}-16`]) {
          expect(physicalNameProblems('databaseIdentifier', member), member).toEqual([]);
        }
        expect(physicalNameProblems('databaseParameterGroup', `${id}-params`)).toEqual([]);
      }),
    );
  });
});
