import { createHash } from 'node:crypto';
import type { ErrorCode } from '../../core/errors.js';
import { GroupCommit } from '../../edge/group-commit.js';
import type { BatchOutcome, BatchWriter } from '../../ports/batch-writer.js';
import type { AppendResult, NewDelivery } from '../../ports/delivery-log.js';
import { bump } from './counters.js';
import type { Pg } from './pool.js';

interface Row {
  readonly tenant: string;
  readonly provider: string;
  readonly receivedAt: number;
  readonly digest: Buffer;
  readonly headers: string;
  readonly body: Uint8Array;
}

const scopeKey = (tenant: string, provider: string, digest: Buffer): string => `${tenant}\u0000${provider}\u0000${digest.toString('hex')}`;

/**
 * One transaction per batch: a multi-row insert that skips exact
 * re-deliveries by the unique (tenant, provider, digest), the ids of those
 * it skipped, and the edge's counters. The 200s wait for its commit.
 */
async function commitBatch(pg: Pg, rows: readonly Row[], rejections: readonly [ErrorCode, number][]): Promise<BatchOutcome> {
  return pg.tx(async (c) => {
    const first = new Map<string, number>();
    const fresh: number[] = [];
    rows.forEach((r, i) => {
      const k = scopeKey(r.tenant, r.provider, r.digest);
      if (!first.has(k)) { first.set(k, i); fresh.push(i); }
    });
    const ids = new Map<string, { id: number; inserted: boolean }>();
    if (fresh.length > 0) {
      const f = fresh.map((i) => rows[i]!);
      const ins = await c.query(
        `INSERT INTO ${pg.t('deliveries')} (tenant, provider, received_at, digest, headers, body)
         SELECT * FROM unnest($1::text[], $2::text[], $3::bigint[], $4::bytea[], $5::jsonb[], $6::bytea[])
         ON CONFLICT (tenant, provider, digest) DO NOTHING RETURNING id, tenant, provider, digest`,
        [f.map((r) => r.tenant), f.map((r) => r.provider), f.map((r) => r.receivedAt), f.map((r) => r.digest), f.map((r) => r.headers), f.map((r) => Buffer.from(r.body.buffer, r.body.byteOffset, r.body.byteLength))],
      );
      for (const r of ins.rows as { id: number; tenant: string; provider: string; digest: Buffer }[]) ids.set(scopeKey(r.tenant, r.provider, r.digest), { id: r.id, inserted: true });
      const missing = f.filter((r) => !ids.has(scopeKey(r.tenant, r.provider, r.digest)));
      if (missing.length > 0) {
        // Stored before (or by another process a moment ago): a new statement sees its commit.
        const old = await c.query(
          `SELECT d.id, d.tenant, d.provider, d.digest FROM ${pg.t('deliveries')} d
           JOIN unnest($1::text[], $2::text[], $3::bytea[]) AS u(tenant, provider, digest) USING (tenant, provider, digest)`,
          [missing.map((r) => r.tenant), missing.map((r) => r.provider), missing.map((r) => r.digest)],
        );
        for (const r of old.rows as { id: number; tenant: string; provider: string; digest: Buffer }[]) ids.set(scopeKey(r.tenant, r.provider, r.digest), { id: r.id, inserted: false });
      }
    }
    const results: AppendResult[] = rows.map((r, i) => {
      const k = scopeKey(r.tenant, r.provider, r.digest);
      const hit = ids.get(k);
      if (hit === undefined) throw new Error('a delivery was neither stored nor found');
      return { id: String(hit.id), duplicate: !(hit.inserted && first.get(k) === i) };
    });
    const stored = results.filter((r) => !r.duplicate).length;
    const counts = new Map<string, number>([['received', rows.length], ['stored', stored], ['duplicates', rows.length - stored]]);
    for (const [code, n] of rejections) {
      counts.set(`rejected.${code}`, n);
      counts.set('received', counts.get('received')! + n);
    }
    await bump(c, pg, 'counters', counts);
    return { result: (i: number) => results[i]! };
  });
}

function batchWriter(pg: Pg): BatchWriter<Row> {
  const notHere = (): never => {
    throw new Error('the PostgreSQL writer answers asynchronously');
  };
  return {
    sameThread: false,
    encode: (d: NewDelivery): Row => ({
      tenant: d.tenant, provider: d.provider, receivedAt: d.receivedAt,
      digest: createHash('sha256').update(d.body).digest(), headers: JSON.stringify(d.headers), body: d.body,
    }),
    rowBytes: (r) => r.body.length,
    commitNow: notHere,
    commit: (rows, rejections) => commitBatch(pg, rows, rejections),
    afterCommit: notHere,
    poll() {},
    probe: async () => {
      await pg.pool.query(`INSERT INTO ${pg.t('counters')} (name, shard, value) VALUES ('probe', $1, 0) ON CONFLICT (name, shard) DO UPDATE SET value = 0`, [pg.shard]);
    },
    close: () => pg.release(),
  };
}

/** The edge's write side on PostgreSQL: group commit, so requests that arrive together share one round trip and one commit. */
export function postgresDeliveryStore(pg: Pg, onCommit?: (rows: number, ms: number) => void): GroupCommit<Row> {
  return new GroupCommit(batchWriter(pg), onCommit);
}
