/**
 * `serve --processes 2`: whichever receiving process answers /metrics or
 * the dashboard's API, the figures are the whole gateway's, and a process
 * that dies neither takes its counts with it nor has them counted twice.
 */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { loadConfig } from '../../src/config/load.js';
import { createEngine } from '../../src/compose.js';
import { http } from '../helpers/http.js';
import { cloudTextBody, signedHeaders } from '../helpers/payloads.js';
import { until } from '../helpers/pipeline.js';
import { childrenOf, spawnWahook, waitForHttp } from '../helpers/process.js';
import { metric } from '../helpers/prometheus.js';
import { postgresServeEnv } from '../helpers/postgres-env.js';
import { postgres } from '../helpers/services.js';

const db = await postgres();
const SECRET = 'cluster-telemetry-secret';
/** Enough scrapes over fresh connections that both receiving processes answer some. */
const SCRAPES = 8;

interface Live {
  throughput: number[];
  processes: { pid: number; stored: number; rejected: number }[];
}

function gateway(port: number) {
  const url = `http://127.0.0.1:${port}`;
  let seq = 0;
  return {
    async send(n: number): Promise<void> {
      for (let i = 0; i < n; i++) {
        const body = cloudTextBody(`cluster view ${seq}`, `wamid.view.${seq++}`);
        // Each on a connection of its own, so the cluster spreads them over its processes.
        assert.equal((await http(`${url}/webhook`, { body, headers: signedHeaders(body, SECRET) })).status, 200);
      }
    },
    async refused(n: number): Promise<void> {
      for (let i = 0; i < n; i++) {
        const body = cloudTextBody('forged');
        assert.equal((await http(`${url}/webhook`, { body, headers: signedHeaders(body, 'not-the-secret') })).status, 401);
      }
    },
    metrics: async (): Promise<string> => (await http(`${url}/metrics`)).text,
    live: async (): Promise<Live> => (await http(`${url}/api/live`)).json() as Live,
  };
}

const stored = (text: string): number => metric(text, 'wahook_http_requests_total', 'route="webhook",status="200",code=""');

test('serve --processes 2 on PostgreSQL: /metrics and /api/live answer for every receiving process, and the minutes are saved once', { skip: db.ok ? false : db.reason }, async () => {
  if (!db.ok) return;
  const pg = await postgresServeEnv(db.value, SECRET);
  const started = Date.now();
  try {
    const server = spawnWahook(['serve', '--processes', '2'], pg.env);
    const gw = gateway(pg.port);
    const K = 30;
    try {
      await waitForHttp(`http://127.0.0.1:${pg.port}/healthz`);
      await until(async () => (await gw.live()).processes.length === 2, 10_000, 'both processes in the view');
      // Act
      await gw.send(K);
      await gw.refused(3);
      // Assert: once merged (about two report intervals), every answer has all of it, whichever process gives it.
      // The live view's seconds are whole once every process has reported them, a report interval later.
      const merged = async (): Promise<boolean> => {
        const text = await gw.metrics();
        return stored(text) === K && metric(text, 'wahook_events_total', 'kind="message"') === K && (await gw.live()).throughput.reduce((a, b) => a + b, 0) === K;
      };
      await until(async () => (await merged()) && (await merged()), 15_000, 'the merged view');
      for (let i = 0; i < SCRAPES; i++) {
        const text = await gw.metrics();
        assert.equal(stored(text), K);
        assert.equal(metric(text, 'wahook_time_to_200_seconds_count'), K);
        assert.equal(metric(text, 'wahook_time_to_200_seconds_bucket', 'le="+Inf"'), K);
        assert.equal(metric(text, 'wahook_http_requests_total', 'route="webhook",status="401",code="WAHOOK_ERR_SIGNATURE_INVALID"'), 3);
        assert.equal(metric(text, 'wahook_signature_failures_total'), 3);
        assert.equal(metric(text, 'wahook_edge_processes'), 2);
        // The worker runs in the primary: its figures are in the same answer.
        assert.equal(metric(text, 'wahook_events_total', 'kind="message"'), K);
        assert.equal(metric(text, 'wahook_queue_depth'), 0);
        const live = await gw.live();
        assert.equal(live.processes.length, 2);
        assert.ok(live.processes.every((p) => p.stored > 0), `both processes took deliveries: ${JSON.stringify(live.processes)}`);
        assert.equal(live.processes.reduce((n, p) => n + p.stored, 0), K);
        assert.equal(live.processes.reduce((n, p) => n + p.rejected, 0), 3);
        assert.equal(live.throughput.reduce((a, b) => a + b, 0), K);
      }
    } finally {
      server.child.kill('SIGTERM');
      assert.equal((await server.exited).code, 0);
    }
    // The primary saved the minutes, for the whole gateway: every delivery once, and no more wall-clock time than ran.
    const telemetry = await createEngine(loadConfig({ env: pg.env })).openTelemetryStore();
    try {
      const minutes = await telemetry.since(0);
      assert.equal(minutes.reduce((n, m) => n + m.deliveries, 0), K);
      assert.equal(minutes.reduce((n, m) => n + m.rejected, 0), 3);
      assert.equal(minutes.reduce((n, m) => n + m.events, 0), K);
      assert.ok(minutes.reduce((n, m) => n + m.sampledMs, 0) <= Date.now() - started, 'one reading of the time, not one per process');
      assert.ok(minutes.reduce((n, m) => n + m.cpuMs, 0) > 0);
    } finally {
      await telemetry.close();
    }
  } finally {
    await pg.cleanup();
  }
});

test('serve --processes 2: a killed process keeps its counts in the totals, and its replacement adds to them, not over them', { skip: db.ok ? false : db.reason }, async () => {
  if (!db.ok) return;
  const pg = await postgresServeEnv(db.value, SECRET);
  try {
    const server = spawnWahook(['serve', '--processes', '2'], pg.env);
    const gw = gateway(pg.port);
    try {
      await waitForHttp(`http://127.0.0.1:${pg.port}/healthz`);
      await until(async () => (await gw.live()).processes.length === 2, 10_000, 'both processes in the view');
      await gw.send(20);
      await until(async () => (await gw.live()).processes.every((p) => p.stored > 0) && stored(await gw.metrics()) === 20, 15_000, 'the first deliveries merged');
      const before = (await gw.live()).processes;
      const victim = before[0]!;
      // Act
      process.kill(victim.pid, 'SIGKILL');
      // No request before the cluster has seen it die: one handed to it meanwhile would wait for good.
      await until(() => { const now = childrenOf(server.child.pid!); return now.length === 2 && !now.includes(victim.pid); }, 10_000, 'a new edge process');
      await until(async () => {
        const now = (await gw.live()).processes;
        return now.length === 2 && !now.some((p) => p.pid === victim.pid);
      }, 15_000, 'a new process in the view');
      for (let i = 0; i < SCRAPES; i++) assert.equal(stored(await gw.metrics()), 20, 'the killed process\'s counts stay');
      await gw.send(10);
      // Assert: counted since the gateway started, each delivery once.
      await until(async () => stored(await gw.metrics()) === 30, 15_000, 'the later deliveries merged');
      for (let i = 0; i < SCRAPES; i++) {
        const text = await gw.metrics();
        assert.equal(stored(text), 30);
        assert.equal(metric(text, 'wahook_time_to_200_seconds_count'), 30);
        assert.equal(metric(text, 'wahook_edge_processes'), 2);
      }
    } finally {
      server.child.kill('SIGTERM');
      assert.equal((await server.exited).code, 0);
    }
  } finally {
    await pg.cleanup();
  }
});
