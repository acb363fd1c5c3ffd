import type { AttributeValue } from '@aws-sdk/client-dynamodb';

/**
 * Events and jobs keep their event as JSON. An event can carry a large raw
 * value (a history sync, a batch of a thousand updates), and an item larger
 * than DynamoDB's 400 KB is refused on every attempt, so past this size the
 * JSON is stored gzipped, as a binary attribute of the same name.
 */
const GZIP_FROM_CHARS = 32 * 1024;

/** @example item.json = await jsonAttr(event) */
export async function jsonAttr(value: unknown): Promise<AttributeValue> {
  const text = JSON.stringify(value);
  if (text.length < GZIP_FROM_CHARS) return { S: text };
  // Loaded only when an event is this large: a function that never sees one does not load zlib.
  const { gzipSync } = await import('node:zlib');
  return { B: gzipSync(text) };
}

/** What `jsonAttr` stored, text or gzipped, back as a value. */
export async function fromJsonAttr<T>(a: AttributeValue | undefined): Promise<T> {
  if (a?.B !== undefined) {
    const { gunzipSync } = await import('node:zlib');
    return JSON.parse(gunzipSync(a.B).toString('utf8')) as T;
  }
  if (a?.S === undefined) throw new Error('the item holds no JSON attribute');
  return JSON.parse(a.S) as T;
}
