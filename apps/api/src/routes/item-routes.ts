import type { FastifyInstance } from 'fastify';
import type { Item } from '../items/item.js';
import { ITEM_LIMITS } from '../items/item.js';
import type {
  AttachmentRequest,
  ItemService,
  ItemUpdateInput,
  NewItemInput,
} from '../items/item-service.js';
import { PRESIGN_EXPIRES_SECONDS } from '../attachments/attachment-storage.js';
import { errorBody } from './http-errors.js';
import { attachmentBody, createItemBody, idParams, listQuery, updateItemBody } from './schemas.js';

/** What clients see of an item: the storage key of its attachment stays inside. */
function publicItem(item: Item): Record<string, unknown> {
  const { attachment, ...rest } = item;
  return {
    ...rest,
    attachment:
      attachment === null
        ? null
        : {
            fileName: attachment.fileName,
            contentType: attachment.contentType,
            size: attachment.size,
          },
  };
}

function notFound(id: string) {
  return errorBody('not_found', `no item ${id}`);
}

export function registerItemRoutes(app: FastifyInstance, items: ItemService): void {
  app.get<{ Querystring: { limit?: string } }>(
    '/api/items',
    { schema: { querystring: listQuery } },
    async (request, reply) => {
      const raw = request.query.limit;
      const limit = raw === undefined ? ITEM_LIMITS.listDefault : Number(raw);
      if (!/^\d+$/.test(raw ?? '1') || limit < 1 || limit > ITEM_LIMITS.listMax)
        return reply
          .code(400)
          .send(
            errorBody(
              'validation_failed',
              `querystring/limit must be an integer from 1 to ${ITEM_LIMITS.listMax}`,
              [{ path: '/limit', message: `must be an integer from 1 to ${ITEM_LIMITS.listMax}` }],
            ),
          );
      const list = await items.list(limit);
      return { items: list.map(publicItem) };
    },
  );

  app.post<{ Body: NewItemInput }>(
    '/api/items',
    { schema: { body: createItemBody } },
    async (request, reply) => {
      const item = await items.create(request.body);
      return reply.code(201).header('location', `/api/items/${item.id}`).send(publicItem(item));
    },
  );

  app.get<{ Params: { id: string } }>(
    '/api/items/:id',
    { schema: { params: idParams } },
    async (request, reply) => {
      const item = await items.get(request.params.id);
      return item ? publicItem(item) : reply.code(404).send(notFound(request.params.id));
    },
  );

  app.patch<{ Params: { id: string }; Body: ItemUpdateInput }>(
    '/api/items/:id',
    { schema: { params: idParams, body: updateItemBody } },
    async (request, reply) => {
      const item = await items.update(request.params.id, request.body);
      return item ? publicItem(item) : reply.code(404).send(notFound(request.params.id));
    },
  );

  app.delete<{ Params: { id: string } }>(
    '/api/items/:id',
    { schema: { params: idParams } },
    async (request, reply) => {
      const deleted = await items.delete(request.params.id);
      return deleted ? reply.code(204).send() : reply.code(404).send(notFound(request.params.id));
    },
  );

  app.post<{ Params: { id: string }; Body: AttachmentRequest }>(
    '/api/items/:id/attachment',
    { schema: { params: idParams, body: attachmentBody } },
    async (request, reply) => {
      const r = await items.attach(request.params.id, request.body);
      if (!r) return reply.code(404).send(notFound(request.params.id));
      return reply.code(201).send({
        item: publicItem(r.item),
        upload: {
          url: r.uploadUrl,
          method: 'PUT',
          headers: { 'content-type': request.body.contentType },
          expiresInSeconds: PRESIGN_EXPIRES_SECONDS,
        },
      });
    },
  );

  app.get<{ Params: { id: string } }>(
    '/api/items/:id/attachment',
    { schema: { params: idParams } },
    async (request, reply) => {
      const r = await items.downloadUrl(request.params.id);
      if (!r)
        return reply
          .code(404)
          .send(errorBody('not_found', `item ${request.params.id} has no attachment`));
      return { url: r.url, expiresInSeconds: PRESIGN_EXPIRES_SECONDS };
    },
  );
}
