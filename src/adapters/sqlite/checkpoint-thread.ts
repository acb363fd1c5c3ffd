import { parentPort, workerData } from 'node:worker_threads';
import Database from 'better-sqlite3';
import { join } from 'node:path';

/**
 * Checkpoints deliveries.db from its own connection and thread. Left to
 * SQLite, the commit that crosses the WAL threshold copies the pages back
 * and syncs the database file itself, and every delivery in that batch waits
 * for it; here the writer only ever appends to the WAL.
 */
const { dataDir, file, intervalMs } = workerData as { dataDir: string; file: string; intervalMs: number };
const db = new Database(join(dataDir, file));
db.pragma('busy_timeout = 1000');
const timer = setInterval(() => {
  try {
    db.pragma('wal_checkpoint(PASSIVE)');
  } catch {
    /* busy or locked: the next tick tries again */
  }
}, intervalMs);
parentPort!.on('message', () => {
  clearInterval(timer);
  db.close();
  parentPort!.postMessage('closed');
});
