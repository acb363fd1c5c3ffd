import pg from 'pg';

/** Where wahook's tables live and how to reach them. */
export interface PgOptions {
  readonly url: string;
  /** Schema of every table (tests give each file its own). */
  readonly schema: string;
  /** Connections this process opens at most, whatever the load. */
  readonly poolMax: number;
  /** How the connections name themselves to the server (pg_stat_activity). */
  readonly applicationName?: string;
  /** Longest wait for a connection, new or from the pool, before a query fails; 10 s unless given. */
  readonly connectTimeoutMs?: number;
}

const SCHEMA_NAME = /^[a-z_][a-z0-9_]{0,62}$/;
const CONNECT_TIMEOUT_MS = 10_000;
/** Idle time after which the kernel starts probing a connection: a peer that vanished without a reset is found. */
const KEEPALIVE_DELAY_MS = 10_000;

// bigint columns hold ids and epoch milliseconds, all far below 2^53: read them as numbers.
const types = {
  getTypeParser: (oid: number, format?: 'text' | 'binary') => (oid === 20 ? (v: string) => Number(v) : pg.types.getTypeParser(oid, format as 'text')),
};

export interface Pg {
  readonly pool: pg.Pool;
  /** A table's name qualified by the configured schema. */
  t(table: string): string;
  readonly schema: string;
  /** This process's counter shard, so concurrent writers never wait on one counter row. */
  readonly shard: number;
  /** Runs `fn` in one transaction on one connection; rolls back when it throws. */
  tx<T>(fn: (c: pg.PoolClient) => Promise<T>): Promise<T>;
  release(): Promise<void>;
}

/**
 * One pool per engine, shared by the stores it opens and closed with the
 * last of them. No session state is ever set and statements are unnamed,
 * so wahook runs behind PgBouncer in transaction mode.
 */
export function createPg(o: PgOptions): { acquire(): Pg } {
  if (!SCHEMA_NAME.test(o.schema)) throw new Error(`schema name "${o.schema}" is not a plain identifier`);
  let pool: pg.Pool | null = null;
  let users = 0;
  const shard = Math.floor(Math.random() * 16);
  const t = (table: string): string => `"${o.schema}"."${table}"`;
  return {
    acquire(): Pg {
      if (pool === null) {
        // A connection is waited for a bounded time: a database that takes connections and never answers them
        // would otherwise hold every caller (and a process's start) for ever. TCP keepalive ends a connection whose
        // peer is gone without a reset (a host that died, a NAT or firewall that dropped the flow), where a query
        // would otherwise wait for an answer that cannot come.
        pool = new pg.Pool({
          connectionString: o.url, max: o.poolMax, types, idleTimeoutMillis: 30_000, application_name: o.applicationName ?? 'wahook',
          connectionTimeoutMillis: o.connectTimeoutMs ?? CONNECT_TIMEOUT_MS, keepAlive: true, keepAliveInitialDelayMillis: KEEPALIVE_DELAY_MS,
        });
        // An idle connection that the server drops (a restart, a PgBouncer recycle) must not crash the process.
        pool.on('error', () => undefined);
      }
      users++;
      const p = pool;
      let released = false;
      return {
        pool: p,
        t,
        schema: o.schema,
        shard,
        async tx(fn) {
          const c = await p.connect();
          // A checked-out client has no listener of the pool's: a connection cut mid-transaction (the server
          // stopped) would emit an unhandled 'error' and end the process. Its query fails instead, and the
          // broken client is discarded rather than returned to the pool.
          let broken: Error | undefined;
          const onError = (e: Error): void => {
            broken = e;
          };
          c.on('error', onError);
          try {
            await c.query('BEGIN');
            const r = await fn(c);
            await c.query('COMMIT');
            return r;
          } catch (e) {
            if (broken === undefined) await c.query('ROLLBACK').catch(() => undefined);
            throw e;
          } finally {
            c.off('error', onError);
            c.release(broken);
          }
        },
        async release() {
          if (released) return;
          released = true;
          if (--users === 0 && pool !== null) {
            const closing = pool;
            pool = null;
            await closing.end();
          }
        },
      };
    },
  };
}
