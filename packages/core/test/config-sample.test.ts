import { describe, expect, it } from 'vitest';
import { ConfigError, parseConfig } from '../src/index.js';
import { editedConfig } from './helpers.js';

/** The repository config without its `services` (and `site`): the sample's config. */
const withoutServices = editedConfig((c) => {
  delete c.services;
  delete c.site;
});

describe('a config without services', () => {
  it("passes where the sample's Dockerfile is (the branch-env repository)", () => {
    const exists = (p: string) => p === 'apps/api/Dockerfile';
    expect(parseConfig(withoutServices, undefined, { fileExists: exists }).services).toBe(
      undefined,
    );
  });

  it('fails anywhere else, at `services`, naming the key to add and init', () => {
    let error: unknown;
    try {
      parseConfig(withoutServices, undefined, { fileExists: () => false });
    } catch (e) {
      error = e;
    }
    expect(error).toBeInstanceOf(ConfigError);
    expect((error as ConfigError).issues).toEqual([
      {
        path: 'services',
        message: expect.stringMatching(
          /^the config declares no services, and branch-env's sample service \(apps\/api\/Dockerfile\) is not in this repository; add "services".*branch-env init/,
        ),
      },
    ]);
  });

  it('is not checked when files cannot be read, nor when services are declared', () => {
    expect(() => parseConfig(withoutServices)).not.toThrow();
    const declared = editedConfig((c) => {
      c.services.api.build = { context: 'svc', dockerfile: 'Dockerfile' };
    });
    expect(() =>
      parseConfig(declared, undefined, { fileExists: (p) => p.startsWith('svc') }),
    ).not.toThrow();
  });
});
