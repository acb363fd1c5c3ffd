/**
 * Parts benchmark: what the irreducible steps of a verifying, durable
 * receiver cost on their own, in this process, without HTTP. It bounds what
 * any receiver can reach next to bare node:http on the same machine. Run alone:
 *   npm run bench:parts -- [--rows 100000] [--batch 50]
 */
import { createHmac, hash } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import Database from 'better-sqlite3';
import { acceptDelivery, type Route } from '../src/core/receive.js';
import { isEnvelopeCertainly } from '../src/core/envelope-scan.js';
import { hmacSha256Hex, signCloudApi } from '../src/core/signature.js';
import { benchMessageId, cloudTextMessage } from '../src/loadgen/payloads.js';
import { SECRET, arg } from './lib.js';

const ROWS = arg('rows', 100_000);
const BATCH = arg('batch', 50);
const nowSec = Math.floor(Date.now() / 1000);
const bodies = Array.from({ length: ROWS }, (_, i) => cloudTextMessage({ id: benchMessageId(i), nowSec }));
const headers = bodies.map((b) => ({ 'content-type': 'application/json', 'x-hub-signature-256': signCloudApi(b, SECRET) }));

function cpuPerRow(run: () => void): number {
  run(); // warm-up
  const before = process.cpuUsage();
  run();
  const used = process.cpuUsage(before);
  return (used.user + used.system) / ROWS;
}

const tenant = { name: 'default', appSecrets: [SECRET], verifyToken: 'x' } as unknown as Extract<Route, { kind: 'webhook' }>['tenant'];
const route: Extract<Route, { kind: 'webhook' }> = { kind: 'webhook', provider: 'cloud_api', tenant };
const opts = { tenants: { default: tenant }, insecureSkipSignature: false };
const accept = cpuPerRow(() => {
  for (let i = 0; i < ROWS; i++) acceptDelivery(route, headers[i]!, bodies[i]!, opts, Date.now());
});

// The steps acceptDelivery is made of, each against what it replaced: the edge's envelope check (a scan of the
// bytes) against JSON.parse, and HMAC-SHA256 from two one-shot hashes against createHmac.
let sink = 0;
const steps = {
  jsonParseUs: cpuPerRow(() => { for (let i = 0; i < ROWS; i++) sink += JSON.parse(bodies[i]!.toString('utf8')) === null ? 1 : 0; }),
  envelopeScanUs: cpuPerRow(() => { for (let i = 0; i < ROWS; i++) sink += isEnvelopeCertainly('cloud_api', bodies[i]!) ? 1 : 0; }),
  createHmacHexUs: cpuPerRow(() => { for (let i = 0; i < ROWS; i++) sink += createHmac('sha256', SECRET).update(bodies[i]!).digest('hex').length; }),
  oneShotHmacHexUs: cpuPerRow(() => { for (let i = 0; i < ROWS; i++) sink += hmacSha256Hex(bodies[i]!, SECRET).length; }),
  sha256BufferUs: cpuPerRow(() => { for (let i = 0; i < ROWS; i++) sink += hash('sha256', bodies[i]!, 'buffer').length; }),
  sha256Latin1ToBufferUs: cpuPerRow(() => { for (let i = 0; i < ROWS; i++) sink += Buffer.from(hash('sha256', bodies[i]!, 'binary'), 'latin1').length; }),
};

// The bare minimum of a durable store: sha256 of the body and one insert, in synced group commits.
const dir = mkdtempSync(join(tmpdir(), 'wahook-parts-'));
const db = new Database(join(dir, 'parts.db'));
db.pragma('journal_mode = WAL');
db.pragma('synchronous = FULL');
db.exec('CREATE TABLE deliveries (id INTEGER PRIMARY KEY, tenant TEXT, provider TEXT, received_at INTEGER, digest BLOB, headers TEXT, body BLOB)');
const insert = db.prepare('INSERT INTO deliveries (tenant, provider, received_at, digest, headers, body) VALUES (?, ?, ?, ?, ?, ?)');
const commit = db.transaction((from: number, to: number) => {
  for (let i = from; i < to; i++) insert.run('default', 'cloud_api', Date.now(), hash('sha256', bodies[i]!, 'buffer'), '{}', bodies[i]!);
});
const store = cpuPerRow(() => {
  for (let i = 0; i < ROWS; i += BATCH) commit(i, Math.min(ROWS, i + BATCH));
});
db.close();
rmSync(dir, { recursive: true, force: true });

console.log(JSON.stringify({ rows: ROWS, batch: BATCH, node: process.version, bodyBytes: bodies[0]!.length, acceptDeliveryCpuUs: accept, steps, hashInsertSyncedCpuUsPerRow: store, sink: sink > 0 }, null, 2));
