import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';

const SRC = join(import.meta.dirname, '..', 'src');

/** Every module specifier the app's sources import. */
function imports(): { file: string; specifier: string }[] {
  const files = readdirSync(SRC, { recursive: true, encoding: 'utf8' }).filter((f) =>
    f.endsWith('.ts'),
  );
  return files.flatMap((file) =>
    [
      ...readFileSync(join(SRC, file), 'utf8').matchAll(
        /\bfrom\s+'([^']+)'|import\(\s*'([^']+)'\s*\)/g,
      ),
    ].map((m) => ({ file, specifier: (m[1] ?? m[2])! })),
  );
}

describe("apps/infra, this repository's CDK app", () => {
  it("imports branch-env only through the packages' public entry points, as an adopter does", () => {
    const found = imports();
    expect(found.map((i) => i.specifier)).toContain('@branch-env/cdk');
    const deep = found.filter(
      (i) =>
        (i.specifier.startsWith('@branch-env/') && i.specifier.split('/').length > 2) ||
        /(^|\/)packages\/|\/(src|dist)\//.test(i.specifier),
    );
    expect(deep).toEqual([]);
  });
});
