import type { Item, ItemPatch } from '../items/item.js';

/**
 * Storage of items. Every adapter (memory, PostgreSQL, MongoDB/DocumentDB) passes the same
 * contract suite (test/item-store.contract.ts).
 */
export interface ItemStore {
  /** Which adapter this is, for /api/env and logs. */
  readonly kind: 'memory' | 'postgres' | 'mongodb';
  /** Connects and creates the schema (idempotent, safe with several tasks starting at once). */
  init(): Promise<void>;
  create(item: Item): Promise<Item>;
  get(id: string): Promise<Item | undefined>;
  /** Newest first (createdAt, then id, descending). */
  list(limit: number): Promise<Item[]>;
  /** The updated item, or undefined when there is no item `id`. */
  update(id: string, patch: ItemPatch, updatedAt: string): Promise<Item | undefined>;
  /** True when an item was deleted. */
  delete(id: string): Promise<boolean>;
  /** Throws when the database does not answer (readiness). */
  ping(): Promise<void>;
  close(): Promise<void>;
}
