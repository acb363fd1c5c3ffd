import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { GatewayError } from '../../core/errors.js';
import type { Pg } from './pool.js';

/** The numbered SQL files shipped in migrations/postgres/, found from the package root. */
function migrationsDir(): string {
  let dir = dirname(fileURLToPath(import.meta.url));
  while (!existsSync(join(dir, 'package.json'))) {
    const up = dirname(dir);
    if (up === dir) throw new Error('package.json not found above this module');
    dir = up;
  }
  return join(dir, 'migrations', 'postgres');
}

export interface Migration {
  readonly version: number;
  readonly name: string;
  readonly sql: string;
}

export function migrations(): Migration[] {
  return readdirSync(migrationsDir())
    .filter((f) => /^\d{4}_[a-z0-9_]+\.sql$/.test(f))
    .sort()
    .map((f, i) => {
      const version = Number(f.slice(0, 4));
      if (version !== i + 1) throw new Error(`migration ${f} is out of sequence (expected ${String(i + 1).padStart(4, '0')})`);
      return { version, name: f, sql: readFileSync(join(migrationsDir(), f), 'utf8') };
    });
}

/** The schema's version, 0 when wahook has never migrated it. */
export async function schemaVersion(pg: Pg): Promise<number> {
  const r = await pg.pool.query(`SELECT to_regclass($1) AS t`, [`"${pg.schema}".schema_version`]);
  if (r.rows[0].t === null) return 0;
  return (await pg.pool.query(`SELECT max(version) AS v FROM ${pg.t('schema_version')}`)).rows[0].v ?? 0;
}

/**
 * Applies what is missing, each step in its own transaction. A transaction-
 * scoped advisory lock makes a second process wait and then find the step
 * applied; it is released with the commit, so this works behind PgBouncer.
 */
export async function migrate(pg: Pg): Promise<{ from: number; to: number }> {
  const steps = migrations();
  const from = await schemaVersion(pg);
  for (const m of steps) {
    await pg.tx(async (c) => {
      await c.query('SELECT pg_advisory_xact_lock(hashtext($1))', [`wahook-migrate:${pg.schema}`]);
      await c.query(`CREATE SCHEMA IF NOT EXISTS "${pg.schema}"`);
      await c.query(`CREATE TABLE IF NOT EXISTS ${pg.t('schema_version')} (version int PRIMARY KEY, name text NOT NULL, applied_at timestamptz NOT NULL DEFAULT now())`);
      const done = await c.query(`SELECT 1 FROM ${pg.t('schema_version')} WHERE version = $1`, [m.version]);
      if (done.rowCount) return;
      await c.query(m.sql.replaceAll(':schema.', `"${pg.schema}".`));
      await c.query(`INSERT INTO ${pg.t('schema_version')} (version, name) VALUES ($1, $2)`, [m.version, m.name]);
    });
  }
  return { from, to: steps.length };
}

/** Refuses a schema this wahook cannot use, saying what to do. */
export async function assertSchemaCurrent(pg: Pg): Promise<void> {
  const known = migrations().length;
  const v = await schemaVersion(pg);
  if (v > known) {
    throw new GatewayError('WAHOOK_ERR_SCHEMA_MISMATCH', `The database schema "${pg.schema}" is at version ${v}, newer than this wahook knows (${known}); upgrade wahook`);
  }
  if (v < known) {
    throw new GatewayError('WAHOOK_ERR_SCHEMA_MISMATCH', `The database schema "${pg.schema}" is at version ${v} and this wahook needs ${known}; run \`wahook migrate\``);
  }
}
