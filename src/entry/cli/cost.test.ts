/**
 * `wahook cost` over a real telemetry store: one delivery after start-up
 * must not move a plan made with flags, and the report says why.
 */
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { createEngine } from '../../compose.js';
import { loadConfig } from '../../config/load.js';
import type { CostReport } from '../../planner/index.js';
import { TrafficRecorder } from '../../telemetry/recorder.js';
import { main } from './index.js';

const dirs: string[] = [];
after(() => { for (const d of dirs) rmSync(d, { recursive: true, force: true }); });

function dataDir(): string {
  const d = mkdtempSync(join(tmpdir(), 'wahook-cost-'));
  dirs.push(d);
  return d;
}

/** What `npm start` and one signed test delivery leave behind: one minute whose CPU is mostly start-up. */
async function oneDelivery(): Promise<string> {
  const dir = dataDir();
  const now = Date.now();
  const start = Math.floor(now / 60_000) * 60_000 - 120_000;
  const recorder = new TrafficRecorder(start + 5_000, 0);
  recorder.edge({ route: 'webhook', status: 200, ms: 14.4, bytes: 471 }, start + 20_000);
  recorder.logged(900);
  const store = await createEngine(loadConfig({ flags: { 'data-dir': dir }, env: {} })).openTelemetryStore();
  await store.save(recorder.flush(start + 25_000, 882.598), 35);
  await store.close();
  return dir;
}

async function cost(dir: string, ...flags: string[]): Promise<string> {
  let out = '';
  let err = '';
  const code = await main(['cost', '--data-dir', dir, ...flags], { out: (s) => { out += s; }, err: (s) => { err += s; }, env: {} });
  assert.equal(code, 0, err);
  return out;
}

describe('wahook cost after one delivery', () => {
  let measured = '';
  before(async () => { measured = await oneDelivery(); });

  it('falls back to the benchmarked CPU and says so in the table and the JSON', async () => {
    const table = await cost(measured);
    assert.match(table, /messages a month \(extrapolated\)/);
    assert.match(table, /CPU per delivery\s+0\.12 ms \(default\)/);
    assert.match(table, /not measured: /);
    assert.match(table, /under a day of data/);
    const report = JSON.parse(await cost(measured, '--json')) as CostReport;
    assert.equal(report.inputs.cpuMsPerDelivery.source, 'default');
    assert.equal(report.inputs.measurement?.cpu.used, false);
    assert.equal(report.inputs.measurement?.deliveries, 1);
    assert.equal(report.dedicated.instances, 2);
  });

  it('gives the same verdict as an empty data dir for --volume 100000000 --peak-rps 5000 --profile campaign', async () => {
    const flags = ['--volume', '100000000', '--peak-rps', '5000', '--profile', 'campaign', '--json'];
    const a = JSON.parse(await cost(measured, ...flags)) as CostReport;
    const b = JSON.parse(await cost(dataDir(), ...flags)) as CostReport;
    assert.deepEqual(
      [a.recommendation.choice, a.breakEvenVolume, a.lambda.monthlyUsd, a.dedicated.monthlyUsd, a.dedicated.instances, a.dedicated.offer.name],
      [b.recommendation.choice, b.breakEvenVolume, b.lambda.monthlyUsd, b.dedicated.monthlyUsd, b.dedicated.instances, b.dedicated.offer.name],
    );
    assert.deepEqual(a.series, b.series);
    assert.equal(a.recommendation.choice, 'dedicated');
    assert.equal(a.inputs.measurement?.deliveries, 1);
    assert.equal(b.inputs.measurement, null);
  });
});
