/**
 * Dedupe index drain: how long one idle step of the writer holds its thread
 * while recent index entries move from memory to the index file. Stores
 * `--rows` deliveries (past the ring's capacity, so the file is large too),
 * then times `--ticks` idle steps. Run alone:
 *   npm run build && node dist/bench/index-drain.js [--rows 700000] [--ticks 2000]
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { DeliveryWriter } from '../src/adapters/sqlite/delivery-writer.js';
import type { WireDelivery } from '../src/adapters/sqlite/delivery-wire.js';
import { benchMessageId, cloudTextMessage } from '../src/loadgen/payloads.js';
import { arg } from './lib.js';

const ROWS = arg('rows', 700_000);
const TICKS = arg('ticks', 2000);
const dir = mkdtempSync(join(tmpdir(), 'wahook-index-drain-'));
const writer = new DeliveryWriter(dir, 1000);
const nowSec = Math.floor(Date.now() / 1000);
for (let i = 0; i < ROWS; i += 100) {
  const rows: WireDelivery[] = [];
  for (let j = i; j < Math.min(ROWS, i + 100); j++) rows.push({ tenant: 'default', provider: 'cloud_api', receivedAt: Date.now(), body: cloudTextMessage({ id: benchMessageId(j), nowSec }), signature: null, headers: '{}' });
  writer.commit(rows, []);
}
writer.indexCommitted();
const steps: number[] = [];
for (let k = 0; k < TICKS; k++) {
  const t = performance.now();
  writer.indexTick();
  steps.push(performance.now() - t);
}
writer.close();
rmSync(dir, { recursive: true, force: true });
// The first tick after the last record only notes it; steps that moved nothing take microseconds.
const moved = steps.filter((ms) => ms > 0.05).sort((a, b) => a - b);
const at = (p: number): number => moved[Math.min(moved.length - 1, Math.floor(p * moved.length))] ?? 0;
console.log(JSON.stringify({ rows: ROWS, ticks: TICKS, stepsThatMoved: moved.length, meanMs: moved.reduce((a, b) => a + b, 0) / Math.max(1, moved.length), p50Ms: at(0.5), p99Ms: at(0.99), maxMs: moved.at(-1) ?? 0 }, null, 2));
