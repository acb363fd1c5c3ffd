import type pg from 'pg';
import type { Pg } from './pool.js';

type Queryable = Pick<pg.PoolClient, 'query'> | Pick<pg.Pool, 'query'>;

/** Adds to named counters in this process's shard (or the one given), in the caller's transaction. */
export async function bump(c: Queryable, pg: Pg, table: string, counts: ReadonlyMap<string, number>, shard = pg.shard): Promise<void> {
  const names: string[] = [];
  const values: number[] = [];
  for (const [name, n] of counts) if (n !== 0) { names.push(name); values.push(n); }
  if (names.length === 0) return;
  await c.query(
    `INSERT INTO ${pg.t(table)} (name, shard, value) SELECT name, $3, value FROM unnest($1::text[], $2::bigint[]) AS u(name, value)
     ON CONFLICT (name, shard) DO UPDATE SET value = ${pg.t(table)}.value + excluded.value`,
    [names, values, shard],
  );
}

/** Every counter of a table, its shards summed. */
export async function readCounters(pg: Pg, table: string): Promise<Record<string, number>> {
  const r = await pg.pool.query(`SELECT name, sum(value)::bigint AS value FROM ${pg.t(table)} GROUP BY name`);
  return Object.fromEntries(r.rows.map((row: { name: string; value: number }) => [row.name, row.value]));
}
