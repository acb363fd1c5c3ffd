import { rmSync } from 'node:fs';
import { tempDir } from './gateway.js';
import { freePort, runWahook } from './process.js';
import { dropSchema, testSchema } from './services.js';

export interface PostgresServeEnv {
  /** The environment that points `wahook serve` and the CLI at a fresh, migrated schema. */
  readonly env: Record<string, string>;
  readonly port: number;
  /** Drops the schema and removes the data dir. */
  cleanup(): Promise<void>;
}

/** A migrated schema of its own, a data dir and a free port for one test's `wahook serve` on PostgreSQL. */
export async function postgresServeEnv(databaseUrl: string, appSecret: string): Promise<PostgresServeEnv> {
  const schema = testSchema();
  const dir = tempDir();
  const port = await freePort();
  const env = { DATABASE_URL: databaseUrl, WAHOOK_DB_SCHEMA: schema, WAHOOK_DATA_DIR: dir, WAHOOK_APP_SECRET: appSecret, PORT: String(port), WAHOOK_HOST: '127.0.0.1', WAHOOK_WORKER_POLL_MS: '10' };
  const cleanup = async (): Promise<void> => {
    await dropSchema(databaseUrl, schema);
    rmSync(dir, { recursive: true, force: true });
  };
  const migrated = await runWahook(['migrate'], env);
  if (migrated.code !== 0) {
    await cleanup();
    throw new Error(`wahook migrate failed: ${migrated.stderr}`);
  }
  return { env, port, cleanup };
}
