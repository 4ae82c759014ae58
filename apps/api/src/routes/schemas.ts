import { ITEM_LIMITS } from '../items/item.js';

const UUID = '^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$';

export const idParams = {
  type: 'object',
  required: ['id'],
  properties: { id: { type: 'string', pattern: UUID } },
} as const;

const name = {
  type: 'string',
  minLength: 1,
  maxLength: ITEM_LIMITS.nameMaxLength,
  pattern: '\\S',
} as const;
const description = {
  type: ['string', 'null'],
  maxLength: ITEM_LIMITS.descriptionMaxLength,
} as const;

export const createItemBody = {
  type: 'object',
  additionalProperties: false,
  required: ['name'],
  properties: { name, description },
} as const;

export const updateItemBody = {
  type: 'object',
  additionalProperties: false,
  minProperties: 1,
  properties: { name, description },
} as const;

export const listQuery = {
  type: 'object',
  additionalProperties: false,
  properties: { limit: { type: 'string' } },
} as const;

export const attachmentBody = {
  type: 'object',
  additionalProperties: false,
  required: ['fileName', 'contentType', 'size'],
  properties: {
    fileName: {
      type: 'string',
      minLength: 1,
      maxLength: 255,
      pattern: '^[^\\u0000-\\u001f/\\\\]+$',
    },
    contentType: { type: 'string', maxLength: 100, pattern: '^[a-z0-9.+-]+/[a-z0-9.+-]+$' },
    size: { type: 'integer', minimum: 1, maximum: ITEM_LIMITS.attachmentMaxBytes },
  },
} as const;
