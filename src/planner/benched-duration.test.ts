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
