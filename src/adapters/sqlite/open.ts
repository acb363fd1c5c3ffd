import Database from 'better-sqlite3';
import { closeSync, mkdirSync, openSync } from 'node:fs';
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
 * The stores hold raw deliveries: message texts and phone numbers. The data
 * dir is created for the owner alone, and so is each database file, whatever
 * the umask (the process umask cannot be set from the writer thread).
 * SQLite gives the `-wal` and `-shm` files it creates the mode of the
 * database file, so creating that file 0600 before SQLite opens it covers
 * all three. Existing files keep their mode; `wahook serve` warns when the
 * data dir lets other users in.
 */
const PRIVATE_DIR = 0o700;
const PRIVATE_FILE = 0o600;

/** Creates an empty file only its owner can read, unless it exists; SQLite takes an empty file as a new database. */
export function createPrivate(path: string): void {
  let fd: number;
  try {
    fd = openSync(path, 'wx', PRIVATE_FILE);
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code === 'EEXIST') return;
    throw e;
  }
  closeSync(fd);
}

/**
 * WAL lets readers (CLI, worker) run beside the single writer; synchronous=FULL
 * syncs the WAL on every commit, so a committed delivery survives power loss,
 * not just a process crash.
 */
export function openDatabase(dataDir: string, file: string, migrations: readonly string[], opts: OpenOptions = {}): Db {
  const path = join(dataDir, file);
  if (!opts.readonly) {
    mkdirSync(dataDir, { recursive: true, mode: PRIVATE_DIR });
    createPrivate(path);
  }
  const db = new Database(path, { readonly: opts.readonly ?? false, fileMustExist: opts.readonly ?? false });
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
