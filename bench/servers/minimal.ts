// (d) A reference point, not a product: the least a verifying, durable receiver can do.
// node:http, HMAC over the raw bytes, JSON.parse, one INSERT per delivery and one synced
// commit per turn of the event loop (SQLite WAL, synchronous=FULL), then 200. No dedupe,
// tenants, counters, telemetry, headers kept or 503 handling. It shows how much of
// wahook's cost is the floor any such receiver pays on this machine, and how much is wahook's.
import Database from 'better-sqlite3';
import { createHmac, timingSafeEqual } from 'node:crypto';
import { createServer, type ServerResponse } from 'node:http';
import { join } from 'node:path';
import { SECRET } from '../lib.js';

const db = new Database(join(process.env.WAHOOK_DATA_DIR ?? '.', 'minimal.db'));
db.pragma('journal_mode = WAL');
db.pragma('synchronous = FULL');
db.exec('CREATE TABLE IF NOT EXISTS deliveries (id INTEGER PRIMARY KEY, received_at INTEGER NOT NULL, body BLOB NOT NULL)');
const insert = db.prepare('INSERT INTO deliveries (received_at, body) VALUES (?, ?)');
const commit = db.transaction((rows: Buffer[]) => {
  const now = Date.now();
  for (const b of rows) insert.run(now, b);
});

let bodies: Buffer[] = [];
let waiting: ServerResponse[] = [];
let scheduled = false;
const flush = (): void => {
  scheduled = false;
  const rows = bodies;
  const answer = waiting;
  bodies = [];
  waiting = [];
  commit(rows);
  for (const res of answer) {
    res.writeHead(200, { 'content-type': 'application/json', 'content-length': 21 });
    res.end('{"status":"received"}');
  }
};

const server = createServer((req, res) => {
  const chunks: Buffer[] = [];
  req.on('data', (c: Buffer) => chunks.push(c));
  req.on('end', () => {
    const body = chunks.length === 1 ? chunks[0]! : Buffer.concat(chunks);
    const sig = String(req.headers['x-hub-signature-256'] ?? '');
    const mac = Buffer.from(`sha256=${createHmac('sha256', SECRET).update(body).digest('hex')}`);
    const given = Buffer.from(sig);
    let ok = given.length === mac.length && timingSafeEqual(given, mac);
    if (ok) {
      try {
        JSON.parse(body.toString('utf8'));
      } catch {
        ok = false;
      }
    }
    if (!ok) {
      res.writeHead(400, { 'content-length': 0 });
      res.end();
      return;
    }
    bodies.push(body);
    waiting.push(res);
    if (!scheduled) {
      scheduled = true;
      setImmediate(flush);
    }
  });
});
server.keepAliveTimeout = 5000;
server.listen(Number(process.env.PORT), '127.0.0.1', () => process.send?.('ready'));
// Exit cleanly on a signal, so `node --cpu-prof` can write its profile when the benchmark stops it.
for (const s of ['SIGINT', 'SIGTERM'] as const) process.on(s, () => server.close(() => process.exit(0)));
