/**
 * How a row keeps its request headers. Nearly every delivery keeps the same
 * two: a Cloud API signature in canonical form and `content-type:
 * application/json`. Such a row stores the signature's 32 bytes and an empty
 * `headers`; as JSON they were 131 bytes, a fifth of a typical row, written to
 * the WAL and again to the database at each checkpoint. Anything else is kept
 * as JSON, exactly as given.
 */

const SIGNATURE = 'x-hub-signature-256';
const JSON_TYPE = 'application/json';

export interface StoredHeaders {
  /** The signature's bytes when the row implies the rest; null otherwise. */
  readonly signature: Buffer | null;
  /** '' when the row implies every header; otherwise all of them as JSON. */
  readonly rest: string;
}

/**
 * @example
 * storedHeaders({ 'x-hub-signature-256': 'sha256=ab…', 'content-type': 'application/json' })
 * // { signature: <Buffer ab …>, rest: '' }
 */
export function storedHeaders(h: Readonly<Record<string, string>>): StoredHeaders {
  const sig = h[SIGNATURE];
  let n = 0;
  let first: string | undefined;
  for (const k in h) if (n++ === 0) first = k;
  // Read back, the signature comes first: keep JSON for any other order, so the text round-trips too.
  const usual = h['content-type'] === JSON_TYPE && (sig === undefined ? n === 1 : n === 2 && first === SIGNATURE && typeof sig === 'string' && isCanonical(sig));
  if (!usual) return { signature: null, rest: JSON.stringify(h) };
  return { signature: sig === undefined ? null : Buffer.from(sig.slice(7), 'hex'), rest: '' };
}

/** `sha256=` and 64 lower-case hex digits: the only form the signature column can give back as it came. */
function isCanonical(sig: string): boolean {
  if (sig.length !== 71 || !sig.startsWith('sha256=')) return false;
  for (let i = 7; i < 71; i++) {
    const c = sig.charCodeAt(i);
    if (!((c >= 0x30 && c <= 0x39) || (c >= 0x61 && c <= 0x66))) return false;
  }
  return true;
}

/** The headers a row keeps, whichever way it stored them (rows from before the signature column hold JSON). */
export function keptHeaders(signature: Uint8Array | null, rest: string): Record<string, string> {
  if (rest !== '') return JSON.parse(rest) as Record<string, string>;
  const h: Record<string, string> = {};
  if (signature !== null) h[SIGNATURE] = `sha256=${Buffer.from(signature).toString('hex')}`;
  h['content-type'] = JSON_TYPE;
  return h;
}
