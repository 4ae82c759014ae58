import { randomUUID } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Item } from '../src/items/item.js';
import type { ItemStore } from '../src/storage/item-store.js';

export interface ContractSubject {
  readonly store: ItemStore;
  /** Drops what the run created (table, collection). */
  readonly cleanup: () => Promise<void>;
}

let clock = Date.parse('2026-01-01T00:00:00.000Z');
function item(overrides: Partial<Item> = {}): Item {
  clock += 1000;
  const at = new Date(clock).toISOString();
  return {
    id: randomUUID(),
    name: 'item',
    description: null,
    attachment: null,
    createdAt: at,
    updatedAt: at,
    ...overrides,
  };
}

/** The one behaviour every ItemStore adapter must have. */
export function itemStoreContract(name: string, subject: () => Promise<ContractSubject>): void {
  describe(`ItemStore contract: ${name}`, () => {
    let s: ContractSubject;
    let store: ItemStore;
    beforeAll(async () => {
      s = await subject();
      store = s.store;
      await store.init();
      await store.init(); // idempotent: every task runs it at start
    });
    afterAll(async () => {
      await s?.cleanup();
    });

    it('answers ping', async () => {
      await expect(store.ping()).resolves.toBeUndefined();
    });

    it('creates and reads back an item exactly', async () => {
      const created = item({
        name: 'Ünïcode ✓ "quotes" \'; DROP TABLE items; --',
        description: 'd',
      });
      expect(await store.create(created)).toEqual(created);
      expect(await store.get(created.id)).toEqual(created);
    });

    it('round-trips an attachment record', async () => {
      const created = item({
        attachment: { key: 'items/x/y', fileName: 'a b.png', contentType: 'image/png', size: 42 },
      });
      await store.create(created);
      expect(await store.get(created.id)).toEqual(created);
    });

    it('returns undefined for an unknown id', async () => {
      expect(await store.get(randomUUID())).toBeUndefined();
    });

    it('rejects a second item with the same id', async () => {
      const created = item();
      await store.create(created);
      await expect(store.create({ ...created, name: 'other' })).rejects.toThrow();
      expect((await store.get(created.id))?.name).toBe('item');
    });

    it('lists newest first and honours the limit', async () => {
      const a = await store.create(item({ name: 'list-a' }));
      const b = await store.create(item({ name: 'list-b' }));
      const c = await store.create(item({ name: 'list-c' }));
      const two = await store.list(2);
      expect(two.map((i) => i.id)).toEqual([c.id, b.id]);
      const all = await store.list(100);
      const order = all.map((i) => i.id);
      expect(order.indexOf(c.id)).toBeLessThan(order.indexOf(b.id));
      expect(order.indexOf(b.id)).toBeLessThan(order.indexOf(a.id));
      for (let i = 1; i < all.length; i++)
        expect((all[i - 1] as Item).createdAt >= (all[i] as Item).createdAt).toBe(true);
    });

    it('updates only the fields given, and null clears the description', async () => {
      const created = await store.create(item({ name: 'before', description: 'keep' }));
      const later = new Date(clock + 60_000).toISOString();
      const renamed = await store.update(created.id, { name: 'after' }, later);
      expect(renamed).toEqual({ ...created, name: 'after', updatedAt: later });
      const cleared = await store.update(created.id, { description: null }, later);
      expect(cleared).toEqual({ ...created, name: 'after', description: null, updatedAt: later });
      const attached = await store.update(
        created.id,
        { attachment: { key: 'k', fileName: 'f', contentType: 'text/plain', size: 1 } },
        later,
      );
      expect(attached?.attachment).toEqual({
        key: 'k',
        fileName: 'f',
        contentType: 'text/plain',
        size: 1,
      });
      expect(await store.get(created.id)).toEqual(attached);
    });

    it('update of an unknown id returns undefined and creates nothing', async () => {
      const id = randomUUID();
      expect(await store.update(id, { name: 'x' }, new Date().toISOString())).toBeUndefined();
      expect(await store.get(id)).toBeUndefined();
    });

    it('deletes once', async () => {
      const created = await store.create(item());
      expect(await store.delete(created.id)).toBe(true);
      expect(await store.get(created.id)).toBeUndefined();
      expect(await store.delete(created.id)).toBe(false);
    });

    it('handles concurrent creates without losing any', async () => {
      const many = Array.from({ length: 20 }, (_, i) => item({ name: `c${i}` }));
      await Promise.all(many.map((m) => store.create(m)));
      const got = await Promise.all(many.map((m) => store.get(m.id)));
      expect(got).toEqual(many);
    });
  });
}
