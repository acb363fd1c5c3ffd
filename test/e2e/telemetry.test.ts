import assert from 'node:assert/strict';
import { rmSync } from 'node:fs';
import { Writable } from 'node:stream';
import { test } from 'node:test';
import { createLogger } from '../../src/entry/logger.js';
import { http } from '../helpers/http.js';
import { cloudTextBody, signedHeaders } from '../helpers/payloads.js';
import { freePort, runWahook, spawnWahook, waitForHttp } from '../helpers/process.js';
import { tempDir } from '../helpers/gateway.js';
import { until } from '../helpers/pipeline.js';
import { metric } from '../helpers/prometheus.js';

const SECRET = 'telemetry-secret';

test('serve exposes Prometheus metrics, keeps minute rollups, and `wahook cost` prices the measured traffic', async () => {
  // Prepare
  const dataDir = tempDir();
  const port = await freePort();
  const env = { WAHOOK_APP_SECRET: SECRET, WAHOOK_DATA_DIR: dataDir, PORT: String(port), WAHOOK_HOST: '127.0.0.1' };
  const server = spawnWahook(['serve'], env);
  try {
    await waitForHttp(`http://127.0.0.1:${port}/healthz`);
    // Act: 40 good deliveries, one duplicate, two bad signatures.
    const bodies = Array.from({ length: 40 }, (_, i) => cloudTextBody(`m${i}`, `wamid.tel.${i}`));
    await Promise.all(bodies.map((b) => http(`http://127.0.0.1:${port}/webhook`, { body: b, headers: signedHeaders(b, SECRET) })));
    await http(`http://127.0.0.1:${port}/webhook`, { body: bodies[0]!, headers: signedHeaders(bodies[0]!, SECRET) });
    for (let i = 0; i < 2; i++) await http(`http://127.0.0.1:${port}/webhook`, { body: bodies[1]!, headers: signedHeaders(bodies[1]!, 'wrong') });
    let text = '';
    await until(async () => {
      text = (await http(`http://127.0.0.1:${port}/metrics`)).text;
      // The gauges come from a sample of the stores up to a second old, the counters from the worker as it drains.
      return metric(text, 'wahook_events_total', 'kind="message"') === 40 && metric(text, 'wahook_queue_depth') === 0;
    }, 15_000, 'events metric and an empty queue');
    // Assess
    assert.equal(metric(text, 'wahook_time_to_200_seconds_count'), 41);
    assert.equal(metric(text, 'wahook_http_requests_total', 'route="webhook",status="200",code=""'), 41);
    assert.equal(metric(text, 'wahook_http_requests_total', 'route="webhook",status="401",code="WAHOOK_ERR_SIGNATURE_INVALID"'), 2);
    assert.equal(metric(text, 'wahook_signature_failures_total'), 2);
    assert.equal(metric(text, 'wahook_duplicates_total', 'stage="edge"'), 1);
    assert.equal(metric(text, 'wahook_queue_depth'), 0);
    assert.equal(metric(text, 'wahook_dead_letters'), 0);
    for (const name of ['wahook_oldest_pending_age_seconds', 'wahook_handler_duration_seconds', 'wahook_handler_failures_total', 'wahook_media_bytes_total', 'wahook_process_cpu_seconds_total', 'wahook_process_resident_memory_bytes', 'wahook_event_loop_lag_seconds']) {
      assert.match(text, new RegExp(`^# TYPE ${name} `, 'm'), name);
    }
    // Shutdown closes the current minute into telemetry.db.
    server.child.kill('SIGTERM');
    assert.equal((await server.exited).code, 0, server.stderr());
    const cost = await runWahook(['cost', '--json', '--front-door', 'none'], env);
    assert.equal(cost.code, 0, cost.stderr);
    const report = JSON.parse(cost.stdout);
    assert.equal(report.inputs.volume.source, 'measured');
    assert.ok(report.inputs.volume.value > 0);
    // 41 deliveries in a minute or so: too little to price CPU or log bytes from, and the report says so.
    assert.equal(report.inputs.measurement.deliveries, 41);
    assert.deepEqual([report.inputs.cpuMsPerDelivery.source, report.inputs.measurement.cpu.used], ['default', false]);
    assert.equal(report.inputs.logBytes.source, 'default');
    assert.ok(report.lambda.monthlyUsd > 0 && report.dedicated.monthlyUsd > 0);
  } finally {
    server.child.kill('SIGKILL');
    rmSync(dataDir, { recursive: true, force: true });
  }
});

test('`wahook cost` plans from flags: the worked example to the cent, table, SVG and HTML', async () => {
  const dir = tempDir();
  const env = { WAHOOK_DATA_DIR: dir };
  const r = await runWahook(['cost', '--volume', '10000000', '--duration-ms', '200', '--memory-mb', '512', '--arch', 'x86_64', '--free-tier', 'off', '--front-door', 'none', '--json'], env);
  assert.equal(r.code, 0, r.stderr);
  const report = JSON.parse(r.stdout);
  assert.equal(report.lambda.breakdown.requests.toFixed(2), '2.00');
  assert.equal(report.lambda.breakdown.compute.toFixed(2), '16.67');
  assert.equal(report.lambda.breakdown.frontDoor, 0);
  assert.ok(report.lambda.breakdown.init > 0);
  assert.ok(Number.isInteger(report.dedicated.instances) && report.dedicated.instances >= 2);
  assert.ok(['lambda', 'dedicated'].includes(report.recommendation.choice));
  const table = await runWahook(['cost', '--volume', '10000000', '--svg', `${dir}/c.svg`, '--html', `${dir}/c.html`], env);
  assert.equal(table.code, 0, table.stderr);
  assert.match(table.stdout, /break-even/i);
  const { readFileSync } = await import('node:fs');
  assert.match(readFileSync(`${dir}/c.svg`, 'utf8'), /^<svg/);
  assert.match(readFileSync(`${dir}/c.html`, 'utf8'), /<svg/);
  const bad = await runWahook(['cost', '--volume', 'lots'], env);
  assert.equal(bad.code, 1);
  assert.match(bad.stderr, /WAHOOK_ERR_PLANNER_INPUT.*--volume/);
  rmSync(dir, { recursive: true, force: true });
});

test('logs are JSON with phone numbers, tokens and secrets redacted', () => {
  let out = '';
  const sink = new Writable({ write(chunk, _e, cb) { out += chunk.toString(); cb(); } });
  const log = createLogger('info', sink);
  log.info({ contact: '16505551234', from: '16505551234', token: 'tok-1', appSecrets: ['sec-2'], headers: { authorization: 'Bearer tok-3' }, event: { contact: '16505551234', wa_id: '16505551234' } }, 'handled');
  const line = JSON.parse(out.trim());
  assert.equal(line.msg, 'handled');
  for (const s of ['16505551234', 'tok-1', 'sec-2', 'tok-3']) assert.ok(!out.includes(s), s);
  assert.equal(line.contact, '[redacted]');
  assert.equal(line.event.wa_id, '[redacted]');
});
