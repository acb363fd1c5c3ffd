/** Small, total helpers for reading untrusted parsed JSON without throwing. */

export type Rec = Record<string, unknown>;

export function isRecord(v: unknown): v is Rec {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

export function asRecord(v: unknown): Rec | undefined {
  return isRecord(v) ? v : undefined;
}

export function asArray(v: unknown): unknown[] | undefined {
  return Array.isArray(v) ? v : undefined;
}

/** Ids arrive as strings or, in some payloads, as numbers; both become strings. */
export function asId(v: unknown): string | undefined {
  if (typeof v === 'string') return v.length > 0 ? v : undefined;
  if (typeof v === 'number' && Number.isFinite(v)) return String(v);
  return undefined;
}

export function asString(v: unknown): string | undefined {
  return typeof v === 'string' ? v : undefined;
}

export function asBoolean(v: unknown): boolean | undefined {
  return typeof v === 'boolean' ? v : undefined;
}

/** Drops undefined members so events serialise without noise. */
export function compact<T extends Rec>(obj: T): T {
  const out: Rec = {};
  for (const [k, v] of Object.entries(obj)) if (v !== undefined) out[k] = v;
  return out as T;
}

function snakeToCamel(key: string): string {
  return key.replace(/_+([a-z0-9])/g, (_m, c: string) => c.toUpperCase());
}

/** Deep snake_case → camelCase of keys; values are left untouched. */
export function camelize(v: unknown): unknown {
  if (Array.isArray(v)) return v.map(camelize);
  if (!isRecord(v)) return v;
  const out: Rec = {};
  for (const [k, inner] of Object.entries(v)) out[snakeToCamel(k)] = camelize(inner);
  return out;
}

/** Numbers, numeric strings and protobuf Longs `{low, high}` → number. */
export function toNumber(v: unknown): number | undefined {
  if (typeof v === 'number') return Number.isFinite(v) ? v : undefined;
  if (typeof v === 'string' && /^\s*-?\d+(\.\d+)?\s*$/.test(v)) return Number(v);
  // Protobuf Long as produced by Baileys when it is serialised without conversion.
  if (isRecord(v) && typeof v['low'] === 'number' && typeof v['high'] === 'number') {
    return v['high'] * 2 ** 32 + (v['low'] >>> 0);
  }
  return undefined;
}

/** Absurd values overflow to Infinity once scaled; those are as good as absent. */
function finiteOrUndefined(n: number): number | undefined {
  return Number.isFinite(n) ? n : undefined;
}

/** Cloud API timestamps are Unix seconds (as strings or numbers). */
export function secondsToMs(v: unknown): number | undefined {
  const n = toNumber(v);
  return n !== undefined && n > 0 ? finiteOrUndefined(Math.round(n * 1000)) : undefined;
}

/**
 * WASender mixes seconds and milliseconds (and ISO strings for calls):
 * anything above 1e12 cannot be a plausible seconds value, so it is ms.
 */
export function flexibleToMs(v: unknown): number | undefined {
  const n = toNumber(v);
  if (n !== undefined) {
    if (n <= 0) return undefined;
    return finiteOrUndefined(n > 1e12 ? Math.round(n) : Math.round(n * 1000));
  }
  if (typeof v === 'string') {
    const parsed = Date.parse(v);
    return Number.isFinite(parsed) && parsed > 0 ? parsed : undefined;
  }
  return undefined;
}

const PHONE_JID_DOMAINS = new Set(['s.whatsapp.net', 'c.us']);

/**
 * "+1 (555) 010-0000" or "15550100000:12@s.whatsapp.net" → "15550100000".
 * Linked ids (`…@lid`), groups and channels are numeric too but are not phone
 * numbers, so any JID outside the phone domains yields nothing.
 */
export function phoneDigits(v: unknown): string | undefined {
  if (typeof v !== 'string') return undefined;
  const at = v.indexOf('@');
  if (at >= 0 && !PHONE_JID_DOMAINS.has(v.slice(at + 1).toLowerCase())) return undefined;
  const user = (at >= 0 ? v.slice(0, at) : v).split(':')[0] ?? '';
  const digits = user.replace(/\D/g, '');
  return digits.length > 0 ? digits : undefined;
}
