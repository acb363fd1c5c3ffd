import assert from 'node:assert/strict';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'node:test';
import { benchedDuration } from './benched-duration.js';
import { runCost, type CostReport } from './index.js';
import { defaultPrices } from './shipped-prices.js';

function report(argv: string[], benched: ReturnType<typeof benchedDuration>): CostReport {
  let out = '';
  runCost([...argv, '--json'], null, { stdout: (s) => (out += s), writeFile: () => {}, readFile: () => '', defaultPrices: defaultPrices(), benchedDuration: benched });
  return JSON.parse(out) as CostReport;
}

test('the bench\'s file becomes the default duration, with the quoted 200 ms priced beside it; a flag still wins', () => {
  const dir = mkdtempSync(join(tmpdir(), 'wahook-benched-'));
  try {
    const file = join(dir, 'lambda-duration.json');
    writeFileSync(file, JSON.stringify({ source: 'bench/lambda.ts', date: '2026-12-06T10:00:00Z', node: 'v20', runs: 2000, receiveHandlerMs: { median: 7.4, p90: 9 } }));
    const benched = benchedDuration(file)!;
    assert.equal(benched.ms, 7.4);
    const r = report(['--volume', '10000000'], benched);
    assert.deepEqual([r.inputs.durationMs.value, r.inputs.durationMs.source], [7.4, 'measured']);
    assert.match(r.inputs.durationMs.note!, /bench\/lambda\.ts/);
    assert.equal(r.quotedDuration!.durationMs, 200);
    assert.ok(r.quotedDuration!.monthlyUsd > r.lambda.monthlyUsd, 'the quoted duration costs more than wahook\'s own');
    const at200 = report(['--volume', '10000000', '--duration-ms', '200'], benched);
    assert.equal(at200.inputs.durationMs.source, 'flag');
    assert.equal(at200.quotedDuration, undefined, 'nothing beside it when it is the same');
    assert.equal(at200.lambda.monthlyUsd, r.quotedDuration!.monthlyUsd);
    let table = '';
    runCost(['--volume', '10000000'], null, { stdout: (s) => (table += s), writeFile: () => {}, readFile: () => '', defaultPrices: defaultPrices(), benchedDuration: benched });
    assert.match(table, /Lambda at the quoted 200 ms\s+\$/);
    assert.match(table, /priced above at 7\.4 ms \(measured\)/);
    writeFileSync(file, '{"receiveHandlerMs":{"median":"fast"}}');
    assert.equal(benchedDuration(file), null, 'a file the bench did not write is ignored');
    assert.equal(benchedDuration(join(dir, 'absent.json')), null);
    assert.equal(report(['--volume', '10000000'], null).inputs.durationMs.value, 200);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

test('the bench\'s cold start becomes the default INIT charge, named with its run and its parts; --init-ms still wins; without it the default 150 ms', () => {
  const dir = mkdtempSync(join(tmpdir(), 'wahook-benched-'));
  try {
    const file = join(dir, 'lambda-duration.json');
    const bench = { source: 'bench/lambda.ts', date: '2026-12-07T10:00:00Z', node: 'v20', runs: 2000, receiveHandlerMs: { median: 0.9, p90: 1.2 } };
    writeFileSync(file, JSON.stringify({ ...bench, coldStartMs: { median: 41.5, p90: 50, initMs: 30.25, firstInvokeMs: 11.5, runs: 30 } }));
    const benched = benchedDuration(file)!;
    assert.deepEqual([benched.coldStart?.ms, benched.coldStart?.initMs, benched.coldStart?.firstInvokeMs], [41.5, 30.25, 11.5]);
    const r = report(['--volume', '10000000'], benched);
    assert.deepEqual([r.inputs.initMs.value, r.inputs.initMs.source], [41.5, 'measured']);
    assert.match(r.inputs.initMs.note!, /bench:lambda, 2026-12-07/);
    assert.match(r.inputs.initMs.note!, /30 fresh node processes/);
    assert.match(r.inputs.initMs.note!, /loading the bundle 30\.25 ms, the first event 11\.5 ms/);
    const at150 = report(['--volume', '10000000', '--init-ms', '150'], benched);
    assert.equal(at150.inputs.initMs.source, 'flag');
    assert.ok(at150.lambda.breakdown.init > r.lambda.breakdown.init, 'the INIT charge follows the duration it is given');
    assert.ok(Math.abs(at150.lambda.gbSeconds.init / r.lambda.gbSeconds.init - 150 / 41.5) < 1e-9, 'in proportion to it');
    let table = '';
    runCost(['--volume', '10000000'], null, { stdout: (s) => (table += s), writeFile: () => {}, readFile: () => '', defaultPrices: defaultPrices(), benchedDuration: benched });
    assert.match(table, /INIT of cold starts\s+\$[\d.]+\s+1\.00% x 41\.5 ms \(measured\)/);

    writeFileSync(file, JSON.stringify({ ...bench, coldStartMs: 70.84 }));
    const older = benchedDuration(file)!;
    assert.equal(older.coldStart?.ms, 70.84, 'a file from before the split: its median alone');
    assert.equal(older.coldStart?.initMs, undefined);
    assert.doesNotMatch(older.coldStart!.note, /loading the bundle/);

    writeFileSync(file, JSON.stringify(bench));
    const noCold = report(['--volume', '10000000'], benchedDuration(file));
    assert.deepEqual([noCold.inputs.initMs.value, noCold.inputs.initMs.source], [150, 'default']);
    assert.equal(noCold.inputs.durationMs.source, 'measured', 'the duration is still the bench\'s');
    writeFileSync(file, JSON.stringify({ ...bench, coldStartMs: { median: -1 } }));
    assert.equal(benchedDuration(file)!.coldStart, undefined, 'a cold start that is not a positive number is ignored');
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});
