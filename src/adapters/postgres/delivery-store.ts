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
  /** The headers as JSON text, made on arrival. */
  readonly headers: string;
  readonly body: Uint8Array;
}

interface Found {
  readonly id: number;
  readonly tenant: string;
  readonly provider: string;
  /** Hex, as the statements hand it out. */
  readonly digest: string;
}

/**
 * Batches one edge process commits at once, so a request that arrives during
 * a commit need not wait for it. Each is a transaction of its own with a
 * fixed cost on both sides, and on a few shared cores more of them cost
 * more CPU than the wait they save: two, not the pool's size.
 */
const IN_FLIGHT = 2;
const DIGEST_BYTES = 32;

const scopeKey = (tenant: string, provider: string, digestHex: string): string => `${tenant}\u0000${provider}\u0000${digestHex}`;

/**
 * One autocommitted statement per batch: the insert, which skips exact
 * re-deliveries by the unique (tenant, provider, digest), and the edge's
 * counters, stored = what the insert returned. The deliveries' `tx` column
 * still defaults to the statement's own transaction, which stays in flight
 * until its commit, so the log's ordering rule holds as in an explicit one.
 * Digests and bodies travel as one binary parameter each and the headers as
 * one JSON array: arrays of bytea or jsonb would be hex-encoded and escaped
 * into array literals on the edge, then parsed back on the server.
 */
const insertSql = (pg: Pg): string => `
  WITH ins AS (
    INSERT INTO ${pg.t('deliveries')} (tenant, provider, received_at, digest, headers, body)
    SELECT u.tenant, u.provider, u.received_at, substring($4::bytea FROM u.i::int * ${DIGEST_BYTES} - ${DIGEST_BYTES - 1} FOR ${DIGEST_BYTES}),
           $5::jsonb -> (u.i::int - 1), substring($6::bytea FROM u.start FOR u.len)
    FROM unnest($1::text[], $2::text[], $3::bigint[], $7::int[], $8::int[]) WITH ORDINALITY AS u(tenant, provider, received_at, start, len, i)
    ON CONFLICT (tenant, provider, digest) DO NOTHING
    RETURNING id, tenant, provider, digest
  ), cnt AS (
    INSERT INTO ${pg.t('counters')} (name, shard, value)
    SELECT c.name, $12, c.value FROM (
      SELECT * FROM unnest($9::text[], $10::bigint[]) AS p(name, value)
      UNION ALL SELECT 'stored', count(*) FROM ins
      UNION ALL SELECT 'duplicates', $11::bigint - count(*) FROM ins
    ) c WHERE c.value <> 0
    ON CONFLICT (name, shard) DO UPDATE SET value = ${pg.t('counters')}.value + excluded.value
  )
  SELECT id, tenant, provider, encode(digest, 'hex') AS digest FROM ins`;

/** Received and refused by code: what the edge knows before the insert. */
function edgeCounts(rows: number, rejections: readonly [ErrorCode, number][]): Map<string, number> {
  const counts = new Map<string, number>([['received', rows]]);
  for (const [code, n] of rejections) {
    counts.set(`rejected.${code}`, n);
    counts.set('received', counts.get('received')! + n);
  }
  return counts;
}

/** The deliveries stored before this batch (by anyone, also a moment ago by another process): a new statement sees their commit. */
async function storedBefore(pg: Pg, rows: readonly Row[]): Promise<Found[]> {
  const r = await pg.pool.query(
    `SELECT d.id, d.tenant, d.provider, encode(d.digest, 'hex') AS digest FROM ${pg.t('deliveries')} d
     JOIN unnest($1::text[], $2::text[], $3::bytea[]) AS u(tenant, provider, digest) USING (tenant, provider, digest)`,
    [rows.map((r) => r.tenant), rows.map((r) => r.provider), rows.map((r) => r.digest)],
  );
  return r.rows as Found[];
}

/** The batch's first copy of each delivery, and the counters (the batch's other copies are duplicates): one statement, one round trip. */
async function insert(pg: Pg, sql: string, shard: number, rows: readonly Row[], batchSize: number, counts: ReadonlyMap<string, number>): Promise<Found[]> {
  const starts: number[] = [];
  const lens: number[] = [];
  let at = 1;
  for (const r of rows) {
    starts.push(at);
    lens.push(r.body.byteLength);
    at += r.body.byteLength;
  }
  const r = await pg.pool.query(sql, [
    rows.map((r) => r.tenant), rows.map((r) => r.provider), rows.map((r) => r.receivedAt),
    Buffer.concat(rows.map((r) => r.digest)), `[${rows.map((r) => r.headers).join(',')}]`, Buffer.concat(rows.map((r) => r.body)),
    starts, lens, [...counts.keys()], [...counts.values()], batchSize, shard,
  ]);
  return r.rows as Found[];
}

async function commitBatch(pg: Pg, sql: string, shard: number, rows: readonly Row[], rejections: readonly [ErrorCode, number][]): Promise<BatchOutcome> {
  const counts = edgeCounts(rows.length, rejections);
  const keys = rows.map((r) => scopeKey(r.tenant, r.provider, r.digest.toString('hex')));
  const first = new Map<string, number>();
  const fresh: number[] = [];
  keys.forEach((k, i) => {
    if (!first.has(k)) { first.set(k, i); fresh.push(i); }
  });
  const ids = new Map<string, { id: number; inserted: boolean }>();
  if (fresh.length === 0) await bump(pg.pool, pg, 'counters', counts, shard);
  else {
    for (const f of await insert(pg, sql, shard, fresh.map((i) => rows[i]!), rows.length, counts)) ids.set(scopeKey(f.tenant, f.provider, f.digest), { id: f.id, inserted: true });
  }
  // Skipped by the insert: stored before, or by a concurrent writer whose commit this statement waited for but cannot see.
  const missing = fresh.filter((i) => !ids.has(keys[i]!)).map((i) => rows[i]!);
  if (missing.length > 0) {
    for (const f of await storedBefore(pg, missing)) ids.set(scopeKey(f.tenant, f.provider, f.digest), { id: f.id, inserted: false });
  }
  const results: AppendResult[] = keys.map((k, i) => {
    const hit = ids.get(k);
    if (hit === undefined) throw new Error('a delivery was neither stored nor found');
    return { id: String(hit.id), duplicate: !(hit.inserted && first.get(k) === i) };
  });
  return { result: (i: number) => results[i]! };
}

function batchWriter(pg: Pg): BatchWriter<Row> {
  const notHere = (): never => {
    throw new Error('the PostgreSQL writer answers asynchronously');
  };
  // A counter shard per batch in flight: concurrent batches of one process never wait on each other's counter rows.
  const shards = Array.from({ length: IN_FLIGHT }, (_, i) => pg.shard * IN_FLIGHT + i);
  // The statement's text depends only on the schema: built once, not per batch.
  const sql = insertSql(pg);
  return {
    sameThread: false,
    maxInFlight: IN_FLIGHT,
    encode: (d: NewDelivery): Row => ({
      tenant: d.tenant, provider: d.provider, receivedAt: d.receivedAt,
      digest: createHash('sha256').update(d.body).digest(), headers: JSON.stringify(d.headers), body: d.body,
    }),
    rowBytes: (r) => r.body.length,
    commitNow: notHere,
    async commit(rows, rejections) {
      const shard = shards.pop() ?? pg.shard * IN_FLIGHT;
      try {
        return await commitBatch(pg, sql, shard, rows, rejections);
      } finally {
        shards.push(shard);
      }
    },
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
