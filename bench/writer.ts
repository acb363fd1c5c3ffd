/**
 * Writer benchmark: the delivery writer alone, in this process, without
 * HTTP: CPU and wall time per stored delivery for synced batches of a given
 * size. Run alone:
 *   npm run bench:writer -- [--rows 200000] [--batch 50] [--rounds 3]
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { DeliveryWriter } from '../src/adapters/sqlite/delivery-writer.js';
import { storedHeaders } from '../src/adapters/sqlite/stored-headers.js';
import { packBatch, unpackBatch, type WireDelivery } from '../src/adapters/sqlite/delivery-wire.js';
import { benchMessageId, cloudTextMessage } from '../src/loadgen/payloads.js';
import { arg, median } from './lib.js';

const ROWS = arg('rows', 200_000);
const BATCH = arg('batch', 50);
const ROUNDS = arg('rounds', 3);

// Stored as the edge stores the usual headers: the signature's bytes and an empty text.
const { signature, rest: headers } = storedHeaders({ 'x-hub-signature-256': `sha256=${'a'.repeat(64)}`, 'content-type': 'application/json' });
const nowSec = Math.floor(Date.now() / 1000);
// Batches cross to the writer packed, as under `serve`; packing is the edge's cost, so it is done before timing.
const batches: ReturnType<typeof packBatch>[] = [];
for (let i = 0; i < ROWS; i += BATCH) {
  const rows: WireDelivery[] = [];
  for (let j = i; j < Math.min(ROWS, i + BATCH); j++) rows.push({ tenant: 'default', provider: 'cloud_api', receivedAt: Date.now(), body: cloudTextMessage({ id: benchMessageId(j), nowSec }), signature, headers });
  batches.push(packBatch(rows));
}

const runs: { cpuUsPerRow: number; wallUsPerRow: number }[] = [];
for (let r = 0; r < ROUNDS; r++) {
  const dir = mkdtempSync(join(tmpdir(), 'wahook-writer-'));
  const writer = new DeliveryWriter(dir, 1000);
  const cpu = process.cpuUsage();
  const t0 = performance.now();
  for (const b of batches) writer.commit(unpackBatch(b), []);
  const wall = performance.now() - t0;
  const used = process.cpuUsage(cpu);
  writer.close();
  rmSync(dir, { recursive: true, force: true });
  runs.push({ cpuUsPerRow: (used.user + used.system) / ROWS, wallUsPerRow: (wall * 1000) / ROWS });
  process.stderr.write(`round ${r + 1}: cpu ${runs.at(-1)!.cpuUsPerRow.toFixed(2)} us/row, wall ${runs.at(-1)!.wallUsPerRow.toFixed(2)} us/row\n`);
}
console.log(JSON.stringify({ rows: ROWS, batch: BATCH, rounds: ROUNDS, node: process.version, cpuUsPerRow: median(runs.map((r) => r.cpuUsPerRow)), wallUsPerRow: median(runs.map((r) => r.wallUsPerRow)) }, null, 2));
