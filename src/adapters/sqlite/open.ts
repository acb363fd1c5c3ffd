import Database from 'better-sqlite3';
import { mkdirSync } from 'node:fs';
import { join } from 'node:path';
import { GatewayError } from '../../core/errors.js';

export type Db = Database.Database;

export interface OpenOptions {
  readonly readonly?: boolean;
  readonly busyTimeoutMs?: number;
  /**
   * FULL syncs every commit (what a 200 promises). NORMAL syncs at checkpoints
   * only: still consistent after power loss, but the last commits may roll
   * back. Only for data derived from something already durable.
   */
  readonly synchronous?: 'FULL' | 'NORMAL';
}

/**
 * WAL lets readers (CLI, worker) run beside the single writer; synchronous=FULL
 * syncs the WAL on every commit, so a committed delivery survives power loss,
 * not just a process crash.
 */
export function openDatabase(dataDir: string, file: string, migrations: readonly string[], opts: OpenOptions = {}): Db {
  if (!opts.readonly) mkdirSync(dataDir, { recursive: true });
  const db = new Database(join(dataDir, file), { readonly: opts.readonly ?? false, fileMustExist: opts.readonly ?? false });
  db.pragma(`busy_timeout = ${Math.max(0, Math.floor(opts.busyTimeoutMs ?? 1000))}`);
  if (!opts.readonly) {
    db.pragma('journal_mode = WAL');
    db.pragma(`synchronous = ${opts.synchronous ?? 'FULL'}`);
    migrate(db, file, migrations);
  }
  return db;
}

function migrate(db: Db, file: string, migrations: readonly string[]): void {
  const current = db.pragma('user_version', { simple: true }) as number;
  if (current > migrations.length) {
    throw new GatewayError(
      'WAHOOK_ERR_CONFIG_INVALID',
      `Invalid config key "dataDir": ${file} has schema ${current}, newer than this wahook (${migrations.length}); upgrade wahook`,
    );
  }
  for (let v = current; v < migrations.length; v++) {
    // Checking the version again inside the write lock lets two processes start together safely.
    db.transaction(() => {
      if ((db.pragma('user_version', { simple: true }) as number) !== v) return;
      db.exec(migrations[v]!);
      db.pragma(`user_version = ${v + 1}`);
    }).immediate();
  }
}
