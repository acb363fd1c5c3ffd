/**
 * The merge behind `serve --processes N`, without processes: hubs stand in
 * for the receiving processes and the primary, their reports and views are
 * passed by hand.
 */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { metric } from '../../test/helpers/prometheus.js';
import { EdgeReporter } from './edge-report.js';
import { GatewayTelemetry } from './gateway-view.js';
import { TelemetryHub } from './hub.js';
import { GatewayError } from '../core/errors.js';
import { MergedTelemetry } from './merged-source.js';

const STORE = { queueDepth: 7, oldestPendingAgeSeconds: 1.5, deadLetters: 2, queueDeadLetters: 0 };
const stored = (text: string): number => metric(text, 'wahook_http_requests_total', 'route="webhook",status="200",code=""');

function edgeProcess(): { hub: TelemetryHub; reporter: EdgeReporter; deliver(n: number, ms: number): void } {
  const hub = new TelemetryHub(() => {});
  return {
    hub,
    reporter: new EdgeReporter(hub),
    deliver(n, ms) {
      for (let i = 0; i < n; i++) hub.edge({ route: 'webhook', status: 200, ms, bytes: 100 });
    },
  };
}

/** A primary and two receiving processes that delivered `na` and `nb` webhooks and have reported them. */
async function twoReported(na: number, nb: number) {
  const primary = new TelemetryHub(() => {});
  const gateway = new GatewayTelemetry(primary);
  const a = edgeProcess();
  const b = edgeProcess();
  a.deliver(na, 1);
  b.deliver(nb, 1);
  gateway.absorb(1, await a.reporter.report(Date.now(), true));
  gateway.absorb(2, await b.reporter.report(Date.now(), true));
  return { primary, gateway, a, b };
}

test('counters sum, time-to-200 merges bucket by bucket, and the store gauges are the answering process\'s own', async () => {
  const primary = new TelemetryHub(() => {});
  const gateway = new GatewayTelemetry(primary);
  const a = edgeProcess();
  const b = edgeProcess();
  a.deliver(3, 0.3);
  b.deliver(5, 40);
  b.hub.edge({ route: 'webhook', status: 401, ms: 1, bytes: 10, code: 'WAHOOK_ERR_SIGNATURE_INVALID' });
  primary.worker({ t: 'drain', deliveries: 8, inserted: 8, duplicates: 0, byKind: { message: 8 }, ms: 3 });
  gateway.absorb(1, await a.reporter.report(Date.now(), true));
  gateway.absorb(2, await b.reporter.report(Date.now(), true));

  const answering = new MergedTelemetry(a.hub);
  answering.accept(await gateway.view(Date.now()));
  const text = await answering.exposition(STORE);

  assert.equal(stored(text), 8);
  assert.equal(metric(text, 'wahook_http_requests_total', 'route="webhook",status="401",code="WAHOOK_ERR_SIGNATURE_INVALID"'), 1);
  assert.equal(metric(text, 'wahook_time_to_200_seconds_count'), 8);
  assert.equal(metric(text, 'wahook_time_to_200_seconds_bucket', 'le="0.0005"'), 3);
  assert.equal(metric(text, 'wahook_time_to_200_seconds_bucket', 'le="0.02"'), 3);
  assert.equal(metric(text, 'wahook_time_to_200_seconds_bucket', 'le="0.05"'), 8);
  assert.equal(metric(text, 'wahook_events_total', 'kind="message"'), 8);
  assert.equal(metric(text, 'wahook_edge_processes'), 2);
  // Read once by the answering process, not summed over three.
  assert.equal(metric(text, 'wahook_queue_depth'), 7);
  assert.equal(metric(text, 'wahook_dead_letters'), 2);
  assert.equal(text.split('\n').filter((l) => l.startsWith('wahook_queue_depth ')).length, 1);
});

test('the live view and the per-process figures cover every process', async () => {
  const { gateway, b } = await twoReported(4, 6);
  const view = await gateway.view(Date.now() + 2000);
  assert.deepEqual(view.live.processes.map((p) => p.stored), [4, 6]);
  assert.equal(view.live.throughput.reduce((x, y) => x + y, 0), 10);
  const answering = new MergedTelemetry(b.hub);
  assert.equal(answering.liveTraffic(Date.now()).processes.length, 1, 'its own figures until a view arrives');
  answering.accept(view);
  assert.equal(answering.liveTraffic(Date.now()).processes.length, 2);
});

test('a process that exits keeps its counters in the totals; its replacement counts from zero beside them', async () => {
  const { gateway, a, b } = await twoReported(4, 6);
  const exposition = async (): Promise<string> => {
    const m = new MergedTelemetry(a.hub);
    m.accept(await gateway.view(Date.now()));
    return m.exposition(STORE);
  };
  assert.equal(stored(await exposition()), 10);

  gateway.retire(2);
  const afterExit = await exposition();
  assert.equal(stored(afterExit), 10);
  assert.equal(metric(afterExit, 'wahook_time_to_200_seconds_count'), 10);
  assert.equal(metric(afterExit, 'wahook_edge_processes'), 1, 'its gauges went with it');

  const c = edgeProcess();
  c.deliver(2, 1);
  gateway.absorb(3, await c.reporter.report(Date.now(), true));
  // A repeated report carries counters as they stand: the latest replaces the previous one, it does not add to it.
  gateway.absorb(3, await c.reporter.report(Date.now(), true));
  const replaced = await exposition();
  assert.equal(stored(replaced), 12);
  assert.equal(metric(replaced, 'wahook_edge_processes'), 2);
  // A report that arrives after its process was retired, retiring twice, or a process never heard of, changes nothing.
  b.deliver(5, 1);
  gateway.absorb(2, await b.reporter.report(Date.now(), true));
  gateway.retire(2);
  gateway.retire(99);
  assert.equal(stored(await exposition()), 12);
});

test('the primary rolls up one minute for the gateway: every process\'s deliveries and CPU, one reading of the time', async () => {
  let saved: { deliveries: number; cpuMs: number; sampledMs: number; events: number; logBytes: number } | undefined;
  const primary = new TelemetryHub((r) => { saved = r; });
  const gateway = new GatewayTelemetry(primary);
  const a = edgeProcess();
  const b = edgeProcess();
  a.deliver(3, 1);
  b.deliver(4, 1);
  a.hub.logged(120);
  const ra = await a.reporter.report(Date.now(), true);
  const rb = await b.reporter.report(Date.now(), true);
  gateway.absorb(1, ra);
  gateway.absorb(2, rb);
  primary.worker({ t: 'drain', deliveries: 7, inserted: 7, duplicates: 0, byKind: { message: 7 }, ms: 3 });
  primary.flush();
  assert.ok(saved);
  assert.equal(saved.deliveries, 7);
  assert.equal(saved.events, 7);
  assert.ok(saved.cpuMs >= ra.cpuMs + rb.cpuMs, 'the receiving processes\' CPU is in it');
  assert.ok(saved.logBytes >= 120);
  assert.ok(saved.sampledMs < 60_000, 'the time it ran, once');
});

test('a scrape answered by a process that holds an older view still gets the primary\'s figures: counters never step back between processes', async () => {
  const { gateway, a, b } = await twoReported(4, 6);
  const older = await gateway.view(Date.now());
  a.deliver(5, 1);
  gateway.absorb(1, await a.reporter.report(Date.now(), true));
  const ask = async () => gateway.view(Date.now());
  // Process A got this round's view, process B not yet: it still holds the one before.
  const first = new MergedTelemetry(a.hub, ask);
  first.accept(await gateway.view(Date.now()));
  const second = new MergedTelemetry(b.hub, ask);
  second.accept(older);
  assert.equal(stored(await first.exposition(STORE)), 15);
  assert.equal(stored(await second.exposition(STORE)), 15);
  // No primary to ask (the gateway is stopping): the view last sent is all there is.
  const cut = new MergedTelemetry(b.hub, async () => null);
  cut.accept(older);
  assert.equal(stored(await cut.exposition(STORE)), 10);
  // The primary not answering in time: the scrape is refused, not answered with the older view.
  const stalled = new MergedTelemetry(b.hub, async () => { throw new GatewayError('WAHOOK_ERR_METRICS_UNAVAILABLE'); });
  stalled.accept(older);
  await assert.rejects(stalled.exposition(STORE), (e: unknown) => (e as GatewayError).code === 'WAHOOK_ERR_METRICS_UNAVAILABLE');
});

test('a receiving process keeps the newest view it was given, whatever order views arrive in, and renders each view once', async () => {
  const { gateway, a, b } = await twoReported(4, 6);
  const older = await gateway.view(Date.now());
  a.deliver(5, 1);
  gateway.absorb(1, await a.reporter.report(Date.now(), true));
  const newer = await gateway.view(Date.now());
  assert.ok(newer.seq > older.seq);
  const m = new MergedTelemetry(b.hub);
  m.accept(newer);
  // A round's view that was on its way while a scrape fetched a newer one.
  m.accept(older);
  const first = await m.exposition(STORE);
  assert.equal(stored(first), 15);
  assert.equal(await m.exposition(STORE), first, 'the same view and store reading: the same text');
  assert.equal(m.expositionMaxAgeMs, 0, 'no answer is kept to be given again by the admin routes');
});
