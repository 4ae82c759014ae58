import { ITEM_LIMITS } from '../items/item.js';

const UUID = '^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$';

/**
 * The format every string of a request carries: text every storage adapter can keep as it was
 * sent. PostgreSQL `text` and `jsonb` refuse U+0000, `jsonb` refuses an unpaired UTF-16 surrogate
 * (a lone `\ud800` in the JSON) and `text` would silently store it as U+FFFD; refused at the
 * boundary with a 400, never a 500 from the database. Registered with ajv in app.ts.
 */
export const TEXT_FORMAT = 'text';
// eslint-disable-next-line no-control-regex -- U+0000 is exactly what it looks for
const NOT_TEXT = /[\u0000\p{Cs}]/u;
/** False for a string with U+0000 or an unpaired surrogate (ill-formed UTF-16). */
export function isText(value: string): boolean {
  return !NOT_TEXT.test(value);
}
export const TEXT_FORMAT_MESSAGE =
  'must be well-formed Unicode text: no NUL (U+0000) characters and no unpaired surrogates';

export const idParams = {
  type: 'object',
  required: ['id'],
  properties: { id: { type: 'string', format: TEXT_FORMAT, pattern: UUID } },
} as const;

const name = {
  type: 'string',
  format: TEXT_FORMAT,
  minLength: 1,
  maxLength: ITEM_LIMITS.nameMaxLength,
  pattern: '\\S',
} as const;
const description = {
  type: ['string', 'null'],
  format: TEXT_FORMAT,
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
  properties: { limit: { type: 'string', format: TEXT_FORMAT } },
} as const;

export const attachmentBody = {
  type: 'object',
  additionalProperties: false,
  required: ['fileName', 'contentType', 'size'],
  properties: {
    fileName: {
      type: 'string',
      format: TEXT_FORMAT,
      minLength: 1,
      maxLength: 255,
      pattern: '^[^\\u0000-\\u001f/\\\\]+$',
    },
    contentType: {
      type: 'string',
      format: TEXT_FORMAT,
      maxLength: 100,
      pattern: '^[a-z0-9.+-]+/[a-z0-9.+-]+$',
    },
    size: { type: 'integer', minimum: 1, maximum: ITEM_LIMITS.attachmentMaxBytes },
  },
} as const;
