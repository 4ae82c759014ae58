import type { Item, ItemPatch } from '../items/item.js';
import type { ItemStore } from './item-store.js';

function newestFirst(a: Item, b: Item): number {
  if (a.createdAt !== b.createdAt) return a.createdAt < b.createdAt ? 1 : -1;
  return a.id < b.id ? 1 : a.id > b.id ? -1 : 0;
}

/** In-process store for local runs and tests (DATABASE_ENGINE=memory only). Data dies with the process. */
export function createMemoryItemStore(): ItemStore {
  const items = new Map<string, Item>();
  return {
    kind: 'memory',
    async init() {},
    async create(item) {
      if (items.has(item.id)) throw new Error(`item ${item.id} already exists`);
      items.set(item.id, item);
      return item;
    },
    async get(id) {
      return items.get(id);
    },
    async list(limit) {
      return [...items.values()].sort(newestFirst).slice(0, limit);
    },
    async update(id, patch: ItemPatch, updatedAt) {
      const current = items.get(id);
      if (!current) return undefined;
      const next: Item = {
        ...current,
        ...(patch.name !== undefined ? { name: patch.name } : {}),
        ...(patch.description !== undefined ? { description: patch.description } : {}),
        ...(patch.attachment !== undefined ? { attachment: patch.attachment } : {}),
        updatedAt,
      };
      items.set(id, next);
      return next;
    },
    async delete(id) {
      return items.delete(id);
    },
    async ping() {},
    async close() {},
  };
}
