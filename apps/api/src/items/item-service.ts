import { randomUUID } from 'node:crypto';
import type { AttachmentStorage } from '../attachments/attachment-storage.js';
import type { ReadThroughCache } from '../cache/read-through-cache.js';
import type { ItemStore } from '../storage/item-store.js';
import type { Item } from './item.js';

export interface ItemServiceOptions {
  readonly store: ItemStore;
  readonly cache: ReadThroughCache<Item>;
  /** Undefined when DATA_BUCKET is not set: attachment calls answer 503. */
  readonly attachments?: AttachmentStorage | undefined;
  readonly now?: () => Date;
  readonly newId?: () => string;
  /** Told when deleting an attachment object fails (the item is deleted anyway). */
  readonly onOrphan?: (key: string, error: unknown) => void;
}

export interface NewItemInput {
  readonly name: string;
  readonly description?: string | null | undefined;
}

export interface ItemUpdateInput {
  readonly name?: string | undefined;
  readonly description?: string | null | undefined;
}

export interface AttachmentRequest {
  readonly fileName: string;
  readonly contentType: string;
  readonly size: number;
}

export class AttachmentsUnavailableError extends Error {
  override readonly name = 'AttachmentsUnavailableError';
  constructor() {
    super('attachments are not configured for this environment (DATA_BUCKET is not set)');
  }
}

/** Items as the HTTP routes use them: store + read-through cache + attachment storage. */
export class ItemService {
  private readonly now: () => Date;
  private readonly newId: () => string;

  constructor(private readonly options: ItemServiceOptions) {
    this.now = options.now ?? (() => new Date());
    this.newId = options.newId ?? randomUUID;
  }

  get attachmentsEnabled(): boolean {
    return this.options.attachments !== undefined;
  }

  async create(input: NewItemInput): Promise<Item> {
    const at = this.now().toISOString();
    const item = await this.options.store.create({
      id: this.newId(),
      name: input.name,
      description: input.description ?? null,
      attachment: null,
      createdAt: at,
      updatedAt: at,
    });
    this.options.cache.set(item.id, item);
    return item;
  }

  /** Hot path: served from the cache while fresh. */
  get(id: string): Promise<Item | undefined> {
    return this.options.cache.get(id, () => this.options.store.get(id));
  }

  list(limit: number): Promise<Item[]> {
    return this.options.store.list(limit);
  }

  async update(id: string, input: ItemUpdateInput): Promise<Item | undefined> {
    this.options.cache.invalidate(id);
    const item = await this.options.store.update(
      id,
      {
        ...(input.name !== undefined ? { name: input.name } : {}),
        ...(input.description !== undefined ? { description: input.description } : {}),
      },
      this.now().toISOString(),
    );
    if (item) this.options.cache.set(id, item);
    return item;
  }

  async delete(id: string): Promise<boolean> {
    const current = await this.options.store.get(id);
    this.options.cache.invalidate(id);
    const deleted = await this.options.store.delete(id);
    if (deleted && current?.attachment && this.options.attachments)
      await this.options.attachments.delete(current.attachment.key).catch((e: unknown) => {
        this.options.onOrphan?.(current.attachment?.key ?? '', e);
      });
    return deleted;
  }

  /** Records the attachment and returns a presigned upload URL; undefined when there is no item. */
  async attach(
    id: string,
    request: AttachmentRequest,
  ): Promise<{ item: Item; uploadUrl: string } | undefined> {
    const storage = this.options.attachments;
    if (!storage) throw new AttachmentsUnavailableError();
    const current = await this.options.store.get(id);
    if (!current) return undefined;
    const key = `items/${id}/${this.newId()}`;
    const uploadUrl = await storage.uploadUrl(key, request.contentType, request.size);
    this.options.cache.invalidate(id);
    const item = await this.options.store.update(
      id,
      { attachment: { key, ...request } },
      this.now().toISOString(),
    );
    if (!item) return undefined;
    this.options.cache.set(id, item);
    if (current.attachment)
      await storage.delete(current.attachment.key).catch((e: unknown) => {
        this.options.onOrphan?.(current.attachment?.key ?? '', e);
      });
    return { item, uploadUrl };
  }

  /** Presigned download URL; undefined when the item or its attachment does not exist. */
  async downloadUrl(id: string): Promise<{ item: Item; url: string } | undefined> {
    const storage = this.options.attachments;
    if (!storage) throw new AttachmentsUnavailableError();
    const item = await this.get(id);
    if (!item?.attachment) return undefined;
    return { item, url: await storage.downloadUrl(item.attachment.key, item.attachment.fileName) };
  }

  cacheStats(): ReturnType<ReadThroughCache<Item>['stats']> {
    return this.options.cache.stats();
  }
}
