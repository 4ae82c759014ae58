import { readFileSync, readdirSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';

/**
 * One supported Node range, stated everywhere and true: the root `engines`, the README, docs/cli.md,
 * the workflows' `node-version` and the action's runtime agree, and no installed package refuses the
 * minimum except the one the README names (the sample API's test dependency `cookie`).
 */
const ROOT = fileURLToPath(new URL('../../..', import.meta.url));
const read = (...p: string[]) => readFileSync(join(ROOT, ...p), 'utf8');

type Version = readonly [major: number, minor: number];
const atLeast = ([a, b]: Version, [c, d]: Version) => a > c || (a === c && b >= d);

function parse(text: string): Version {
  const m = /(\d+)(?:\.(\d+))?/.exec(text);
  if (!m) throw new Error(`no version in '${text}'`);
  return [Number(m[1]), Number(m[2] ?? 0)];
}

/** Whether an `engines.node` range accepts `v` (the comparators npm packages use in practice). */
function accepts(range: string, v: Version): boolean {
  return range.split('||').some((alt) => {
    const parts = alt
      .replace(/([<>=^~])\s+/g, '$1')
      .trim()
      .split(/\s+/);
    return parts.every((p) => {
      if (p === '*' || p === '' || p === 'x') return true;
      const bound = parse(p);
      if (p.startsWith('>=')) return atLeast(v, bound);
      if (p.startsWith('>')) return atLeast(v, bound) && !(v[0] === bound[0] && v[1] === bound[1]);
      if (p.startsWith('<=')) return atLeast(bound, v);
      if (p.startsWith('<')) return !atLeast(v, bound);
      if (p.startsWith('^')) return v[0] === bound[0] && atLeast(v, bound);
      if (p.startsWith('~')) return v[0] === bound[0] && v[1] === bound[1];
      return v[0] === bound[0] && (!/\d+\.\d+/.test(p) || v[1] === bound[1]);
    });
  });
}

const engines = (JSON.parse(read('package.json')) as { engines: { node: string } }).engines.node;
const minimum = parse(engines);

describe('the supported Node range', () => {
  it('the root engines is a plain minimum', () => {
    expect(engines).toMatch(/^>=\s*\d+\.\d+$/);
  });

  it('README and docs/cli.md state the same minimum', () => {
    for (const file of ['README.md', join('docs', 'cli.md')]) {
      const stated = /Node\.js ≥ (\d+\.\d+)/.exec(read(file))?.[1];
      expect(stated, file).toBeDefined();
      expect(parse(stated!), file).toEqual(minimum);
    }
  });

  it("every workflow's node-version and the action's runtime are in the range", () => {
    const dir = join(ROOT, '.github', 'workflows');
    const versions = readdirSync(dir)
      .filter((f) => /\.ya?ml$/.test(f))
      .flatMap((f) =>
        [...readFileSync(join(dir, f), 'utf8').matchAll(/node-version:\s*['"]?([\d.x]+)/g)].map(
          (m) => [f, m[1]!] as const,
        ),
      );
    expect(versions.length).toBeGreaterThan(0);
    for (const [file, version] of versions) {
      expect(atLeast(parse(version), minimum), `${file}: node-version ${version}`).toBe(true);
    }
    const runtime = /using:\s*['"]?node(\d+)/.exec(read('packages', 'action', 'action.yml'))?.[1];
    expect(runtime).toBeDefined();
    expect(Number(runtime)).toBeGreaterThanOrEqual(minimum[0]);
  });

  it('no installed package refuses the minimum, except the one the README names', () => {
    const lock = JSON.parse(read('package-lock.json')) as {
      packages: Record<string, { engines?: { node?: string } | string[] }>;
    };
    const refusing = Object.entries(lock.packages)
      .filter(([, p]) => {
        const node = !Array.isArray(p.engines) ? p.engines?.node : undefined;
        return typeof node === 'string' && !accepts(node, minimum);
      })
      .map(([path]) => path.replace(/^.*node_modules\//, ''));
    expect(refusing).toEqual(['cookie']);
    expect(read('README.md')).toMatch(/`cookie`[^.]*declares Node ≥ 22/);
  });

  it('reads ranges the way npm does for the forms in the lockfile', () => {
    expect(accepts('>=22', [20, 19])).toBe(false);
    expect(accepts('>= 20.0.0', [20, 19])).toBe(true);
    expect(accepts('^20.0.0 || ^22.0.0 || >=24.0.0', [20, 19])).toBe(true);
    expect(accepts('^18.0.0', [20, 19])).toBe(false);
    expect(accepts('^20.19.0 || >=22.12.0', [20, 19])).toBe(true);
    expect(accepts('>=18 <20', [20, 19])).toBe(false);
    expect(accepts('20 || 22', [20, 19])).toBe(true);
  });
});
