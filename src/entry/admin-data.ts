import { resolve } from 'node:path';
import type { Config } from '../config/load.js';
import type { AdminData, LiveSnapshot } from '../ports/admin-data.js';
import { SqliteDeliveryReader } from '../adapters/sqlite/delivery-reader.js';
import { SqliteEventQuery } from '../adapters/sqlite/event-query.js';
import { SqliteEventStore } from '../adapters/sqlite/event-store.js';
import type { SqliteTelemetryStore } from '../adapters/sqlite/telemetry-store.js';
import { buildProfile, loadPrices, parseCostArgs, plan, renderChartSvg } from '../planner/index.js';
import { measuredTraffic } from '../telemetry/measured.js';
import type { TelemetryHub } from '../telemetry/hub.js';
import { edgeStatsFrom } from './cli/inspect.js';
import { pipelineState } from './cli/stats.js';
import { defaultPrices } from './prices.js';

const RETENTION_MS = 35 * 86_400_000;

/** The dashboard's and admin API's view of the running gateway; long-lived read connections. */
export function createAdminData(config: Config, hub: TelemetryHub, telemetry: SqliteTelemetryStore): AdminData & { close(): Promise<void> } {
  const dir = resolve(config.dataDir);
  const reader = new SqliteDeliveryReader(dir);
  const events = new SqliteEventStore(dir);
  const query = new SqliteEventQuery(events.db);
  const prices = loadPrices(defaultPrices());

  const pipeline = (now: number) => pipelineState(reader, query, now);

  return {
    async live(): Promise<LiveSnapshot> {
      const now = Date.now();
      const edge = edgeStatsFrom(await reader.counters());
      const { p, queueDepth, oldestPendingAgeMs } = await pipeline(now);
      const l = hub.recorder.live(now);
      return { now, ...l, queueDepth, oldestPendingAgeMs, received: edge.received, stored: edge.stored, duplicates: edge.duplicates + p.duplicates, deadLetters: p.deadLetters, events: p.events, eventsByKind: p.eventsByKind };
    },
    rollups: async (since) => telemetry.since(since),
    latestEvents: (limit) => query.events({ limit, newestFirst: true }),
    deadLetters: (limit) => query.deadLetters(limit),
    async cost() {
      const now = Date.now();
      const measured = measuredTraffic(telemetry.since(now - RETENTION_MS), now);
      // Without measured traffic the chart shows a planned 1M-a-month month, labelled as such by its inputs.
      const profile = buildProfile(parseCostArgs(measured ? [] : ['--volume', '1000000']), measured);
      const report = plan(profile, prices);
      return { report, svg: renderChartSvg(report) };
    },
    async metrics() {
      const { p, queueDepth, oldestPendingAgeMs } = await pipeline(Date.now());
      hub.metrics.queueDepth.set(queueDepth);
      hub.metrics.oldestPendingAge.set(oldestPendingAgeMs / 1000);
      hub.metrics.deadLetters.set(p.deadLetters);
      return hub.metrics.registry.metrics();
    },
    async close() {
      await reader.close();
      await events.close();
    },
  };
}
