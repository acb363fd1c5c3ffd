import type { AppendResult } from '../../ports/delivery-log.js';

/** A delivery on its way to the writer. */
export interface WireDelivery {
  readonly tenant: string;
  readonly provider: string;
  readonly receivedAt: number;
  readonly body: Uint8Array;
  /** The signature's bytes, when `headers` is '' (see stored-headers.ts). */
  readonly signature: Uint8Array | null;
  /** The kept request headers as JSON, or '' when the row implies them. */
  readonly headers: string;
}

/**
 * A batch as two transferable buffers and the few distinct tenant/provider
 * scopes. Structured-cloning one object per delivery costs the edge's event
 * loop a share of its time that grows with the rate, and cloning a body
 * view copies its whole pooled backing buffer; transferring buffers moves
 * them without a copy.
 */
export interface PackedBatch {
  /** Each delivery's body, signature bytes and headers text, back to back. */
  readonly bytes: Uint8Array;
  /** Per delivery: scope index, receivedAt, end of body, end of signature, end of headers. */
  readonly rows: Float64Array;
  /** `tenant \0 provider`, indexed from `rows`. */
  readonly scopes: string[];
}

const FIELDS = 5;

export function packBatch(batch: readonly WireDelivery[]): PackedBatch {
  let total = 0;
  for (const d of batch) total += d.body.length + (d.signature?.length ?? 0) + Buffer.byteLength(d.headers);
  // Not from the shared pool: the batch owns its ArrayBuffer so it can be transferred.
  const bytes = Buffer.allocUnsafeSlow(total);
  const rows = new Float64Array(batch.length * FIELDS);
  const scopes: string[] = [];
  const scopeIndex = new Map<string, number>();
  let at = 0;
  batch.forEach((d, i) => {
    const scope = `${d.tenant}\u0000${d.provider}`;
    let s = scopeIndex.get(scope);
    if (s === undefined) {
      s = scopes.push(scope) - 1;
      scopeIndex.set(scope, s);
    }
    bytes.set(d.body, at);
    at += d.body.length;
    const bodyEnd = at;
    if (d.signature !== null) {
      bytes.set(d.signature, at);
      at += d.signature.length;
    }
    const signatureEnd = at;
    at += bytes.write(d.headers, at, 'utf8');
    const r = i * FIELDS;
    rows[r] = s;
    rows[r + 1] = d.receivedAt;
    rows[r + 2] = bodyEnd;
    rows[r + 3] = signatureEnd;
    rows[r + 4] = at;
  });
  return { bytes, rows, scopes };
}

export function unpackBatch(m: PackedBatch): WireDelivery[] {
  const buf = Buffer.from(m.bytes.buffer, m.bytes.byteOffset, m.bytes.byteLength);
  const scopes = m.scopes.map((s) => s.split('\u0000') as [string, string]);
  const out: WireDelivery[] = [];
  let start = 0;
  for (let i = 0; i < m.rows.length; i += FIELDS) {
    const [tenant, provider] = scopes[m.rows[i]!]!;
    const bodyEnd = m.rows[i + 2]!;
    const signatureEnd = m.rows[i + 3]!;
    const end = m.rows[i + 4]!;
    const signature = signatureEnd > bodyEnd ? buf.subarray(bodyEnd, signatureEnd) : null;
    out.push({ tenant, provider, receivedAt: m.rows[i + 1]!, body: buf.subarray(start, bodyEnd), signature, headers: buf.toString('utf8', signatureEnd, end) });
    start = end;
  }
  return out;
}

/** Results travel back as ids, negated for duplicates (ids are positive). */
export function unpackResult(packed: Float64Array, i: number): AppendResult {
  const v = packed[i]!;
  return v < 0 ? { id: String(-v), duplicate: true } : { id: String(v), duplicate: false };
}
