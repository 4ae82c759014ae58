import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { CONFIG_BUS, type ConfigBusEntry } from '@branch-env/core';
import { ROOT } from './helpers.js';

const doc = readFileSync(join(ROOT, 'docs', 'config-bus.md'), 'utf8');

/** `| \`key\` | writer | \`name\` | ...` rows of the keys table. */
function documentedRows(): Map<string, { writer: string; name: string }> {
  const rows = new Map<string, { writer: string; name: string }>();
  for (const m of doc.matchAll(/^\| `([^`]+)` \| (stack|deploy|service) \| `([^`]+)` \|/gm)) {
    rows.set(m[1]!, { writer: m[2]!, name: m[3]! });
  }
  return rows;
}

describe('docs/config-bus.md', () => {
  it('lists every key of the CONFIG_BUS catalogue with its writer and catalogue name', () => {
    const rows = documentedRows();
    const entries = Object.entries(CONFIG_BUS) as [string, ConfigBusEntry][];
    expect(entries.length).toBeGreaterThan(10);
    for (const [name, entry] of entries) {
      expect(rows.get(entry.key), entry.key).toEqual({ writer: entry.writer, name });
    }
  });

  it('lists no key the catalogue does not have', () => {
    const known = new Set(Object.values(CONFIG_BUS).map((e: ConfigBusEntry) => e.key));
    for (const key of documentedRows().keys()) expect(known.has(key), key).toBe(true);
  });
});
