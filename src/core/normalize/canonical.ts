import { createHash } from 'node:crypto';

/**
 * JSON with object keys sorted, so that two payloads that differ only in
 * member order hash the same. Mirrors JSON.stringify for everything a JSON
 * parser can produce (non-finite numbers become null, undefined members are
 * skipped); anything a parser cannot produce is stringified rather than
 * thrown on, because normalisation must never fail on odd input.
 */
export function canonicalJson(value: unknown): string {
  if (value === null || value === undefined) return 'null';
  switch (typeof value) {
    case 'boolean':
      return value ? 'true' : 'false';
    case 'number':
      return Number.isFinite(value) ? JSON.stringify(value) : 'null';
    case 'string':
      return JSON.stringify(value);
    case 'object':
      return Array.isArray(value) ? canonicalArray(value) : canonicalObject(value as Record<string, unknown>);
    case 'function':
      return 'null';
    default:
      return JSON.stringify(String(value));
  }
}

function canonicalArray(items: readonly unknown[]): string {
  return `[${items.map((item) => canonicalJson(item)).join(',')}]`;
}

function canonicalObject(obj: Record<string, unknown>): string {
  const parts: string[] = [];
  for (const k of Object.keys(obj).sort()) {
    const v = obj[k];
    if (v === undefined || typeof v === 'function') continue;
    parts.push(`${JSON.stringify(k)}:${canonicalJson(v)}`);
  }
  return `{${parts.join(',')}}`;
}

/** First 16 hex characters of the sha256 of the canonical JSON: short enough for keys, wide enough to never collide in practice. */
export function shortHash(value: unknown): string {
  return createHash('sha256').update(canonicalJson(value)).digest('hex').slice(0, 16);
}
