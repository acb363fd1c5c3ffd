/**
 * `wahook cost` over a real telemetry store: one delivery after start-up
 * must not move a plan made with flags, and the report says why. The
 * dashboard's cost panel reads the same store and must give the same report.
 */
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { createEngine } from '../../compose.js';
import { loadConfig } from '../../config/load.js';
import { createAdminData } from '../../dashboard/admin-data.js';
import type { CostReport } from '../../planner/index.js';
import { defaultPrices } from '../../planner/shipped-prices.js';
import { TelemetryHub } from '../../telemetry/hub.js';
import { TrafficRecorder } from '../../telemetry/recorder.js';
import { openReadStores } from '../engine-session.js';
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
    assert.match(report.inputs.volume.note ?? '', /^1 delivery in /);
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

/** The report the dashboard's cost panel shows for a data dir, through the admin data `serve` builds. */
async function dashboardCost(dir: string): Promise<CostReport> {
  const config = loadConfig({ flags: { 'data-dir': dir }, env: {} });
  const telemetry = await createEngine(config).openTelemetryStore();
  const read = await openReadStores(config);
  try {
    const data = createAdminData({ log: read.log, query: read.query, jobs: read.pipeline.jobs, telemetry }, new TelemetryHub(() => {}), defaultPrices());
    return (await data.cost()).report as CostReport;
  } finally {
    await read.close();
    await telemetry.close();
  }
}

describe('the dashboard\'s cost panel', () => {
  it('prices a planned month as wahook cost does, with the same Lambda duration and cold start', async () => {
    const dir = dataDir();
    const panel = await dashboardCost(dir);
    const command = JSON.parse(await cost(dir, '--volume', '1000000', '--json')) as CostReport;
    // Without the measured duration there is nothing for the two to disagree on.
    assert.equal(command.inputs.durationMs.source, 'measured', 'prices/lambda-duration.json is shipped');
    assert.deepEqual(panel.inputs.durationMs, command.inputs.durationMs);
    assert.deepEqual(panel.inputs.initMs, command.inputs.initMs);
    assert.deepEqual(
      [panel.recommendation, panel.breakEvenVolume, panel.lambda, panel.dedicated.monthlyUsd, panel.series],
      [command.recommendation, command.breakEvenVolume, command.lambda, command.dedicated.monthlyUsd, command.series],
    );
  });

  it('says after one delivery what wahook cost says: the default CPU, why, and an extrapolated volume', async () => {
    const dir = await oneDelivery();
    const panel = await dashboardCost(dir);
    const command = JSON.parse(await cost(dir, '--json')) as CostReport;
    for (const input of ['durationMs', 'initMs', 'cpuMsPerDelivery', 'idleCpuMsPerMinute'] as const) {
      assert.deepEqual(panel.inputs[input], command.inputs[input], input);
    }
    assert.deepEqual(panel.inputs.measurement?.cpu, command.inputs.measurement?.cpu);
    assert.equal(panel.inputs.measurement?.cpu.used, false);
    assert.equal(panel.inputs.measurement?.extrapolated, true);
  });
});
