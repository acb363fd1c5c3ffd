/**
 * Text every store can keep. JSON may escape NUL (`\u0000`) and lone
 * surrogates (`\ud800`) into a body that is valid UTF-8, and the edge
 * accepts it; PostgreSQL's jsonb and text refuse both, and one such value
 * would fail every batch it is in. They become U+FFFD, as a UTF-8 decoder
 * turns what it cannot decode.
 */

const UNSTORABLE_ONE = /\u0000|[\uD800-\uDBFF](?![\uDC00-\uDFFF])|(?<![\uD800-\uDBFF])[\uDC00-\uDFFF]/;
const UNSTORABLE = new RegExp(UNSTORABLE_ONE.source, 'g');
/** In JSON text: a NUL, its escape, or an escaped surrogate (paired or not; the parse tells). */
const MAY_HOLD_UNSTORABLE = /\u0000|\\u0000|\\u[dD][89a-fA-F]/;

/** @example toStorableText('a\u0000b') // 'a\uFFFDb' */
export function toStorableText(s: string): string {
  return s.replace(UNSTORABLE, '\uFFFD');
}

/**
 * `JSON.parse`, with every string and key made storable. Only text that
 * can hold such a value takes the slower walk.
 * @example parseStorableJson('{"t":"a\\u0000"}') // { t: 'a\uFFFD' }
 */
export function parseStorableJson(text: string): unknown {
  if (!MAY_HOLD_UNSTORABLE.test(text)) return JSON.parse(text);
  return JSON.parse(text, (_key, value: unknown) => {
    if (typeof value === 'string') return toStorableText(value);
    if (typeof value !== 'object' || value === null || Array.isArray(value)) return value;
    const keys = Object.keys(value);
    if (!keys.some((k) => UNSTORABLE_ONE.test(k))) return value;
    return Object.fromEntries(keys.map((k) => [toStorableText(k), (value as Record<string, unknown>)[k]]));
  });
}
