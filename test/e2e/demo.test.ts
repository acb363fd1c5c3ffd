/**
 * `wahook demo` end to end with a reduced burst: it starts a gateway on a
 * temporary store, fires at it, and prints each of its six parts with real
 * figures; the chart it names exists and the temporary store is gone after.
 */
import assert from 'node:assert/strict';
import { existsSync, readFileSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import { test } from 'node:test';
import { main } from '../../src/entry/cli/index.js';
import { tempDir } from '../helpers/gateway.js';

test('wahook demo --count 500 shows the gateway, the burst, the store, the p99, the cost verdict and the chart', async () => {
  const dir = tempDir('wahook-demo-test-');
  const svg = join(dir, 'demo.svg');
  let out = '';
  let err = '';
  try {
    const code = await main(['demo', '--count', '500', '--svg', svg], { out: (s) => { out += s; }, err: (s) => { err += s; }, env: {} });
    assert.equal(code, 0, `${out}\n${err}`);
    const dataDir = /embedded SQLite store in (\S+)/.exec(out)?.[1];
    assert.ok(dataDir !== undefined, out);
    assert.equal(existsSync(dataDir), false, 'the temporary store is removed');
    assert.match(out, /^1\. Gateway: wahook serve at http:\/\/127\.0\.0\.1:\d+\/webhook/m);
    assert.match(out, /^2\. Campaign burst: 500 signed deliveries/m);
    assert.match(out, /sent 500 in [\d.]+ s: 500 answered 200, 0 not/);
    assert.match(out, /^3\. Stored: \d+ deliveries, [\d,]+ events \(message [\d,]+, status [\d,]+\)/m);
    const caught = Number(/duplicates caught: (\d+) exact re-deliveries/.exec(out)?.[1]);
    const stored = Number(/Stored: (\d+) deliveries/.exec(out)?.[1]);
    assert.equal(stored + caught, 500, 'every request was stored once or caught as a duplicate');
    const ordered = /statuses put in order: (\d+) of (\d+)/.exec(out);
    assert.ok(ordered && Number(ordered[2]) > 0 && ordered[1] === ordered[2], out);
    assert.match(out, /lost 0, duplicated 0/);
    assert.match(out, /^4\. Time to 200: p99 [\d.]+ ms/m);
    assert.match(out, /^5\. Cost, Lambda against dedicated:\n.*365,000 deliveries[\s\S]*Lambda \$[\d,.]+ a month, dedicated \$[\d,.]+ a month[\s\S]*verdict: (AWS Lambda|dedicated servers)/m);
    assert.match(out, new RegExp(`^6\\. Chart: latency over time written to ${svg.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')}$`, 'm'));
    assert.match(readFileSync(svg, 'utf8'), /^<svg [\s\S]*<\/svg>\n$/);
    assert.match(err, /sent 500\/500/, 'progress on stderr');
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});
