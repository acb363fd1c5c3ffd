import type { AdminData, LiveSnapshot } from '../ports/admin-data.js';
import type { DeliveryLog } from '../ports/delivery-log.js';
import type { EventQuery } from '../ports/event-query.js';
import type { JobQueue } from '../ports/job-queue.js';
import type { TelemetryStore } from '../ports/telemetry-store.js';
import { buildProfile, loadPrices, parseCostArgs, plan, renderChartSvg } from '../planner/index.js';
import { pipelineState } from '../pipeline/stats.js';
import { measuredTraffic } from '../telemetry/measured.js';
import type { TelemetryHub } from '../telemetry/hub.js';

const RETENTION_MS = 35 * 86_400_000;

/** The stores the dashboard reads, kept open while `serve` runs. */
export interface AdminStores {
  readonly log: DeliveryLog;
  readonly query: EventQuery;
  readonly jobs: JobQueue;
  readonly telemetry: TelemetryStore;
}

/** The dashboard's and admin API's view of the running gateway, over the ports. */
export function createAdminData(stores: AdminStores, hub: TelemetryHub, priceBook: unknown): AdminData {
  const { log, query, jobs, telemetry } = stores;
  const prices = loadPrices(priceBook);
  return {
    async live(): Promise<LiveSnapshot> {
      const now = Date.now();
      const edge = await log.edgeCounters();
      const s = await pipelineState(log, query, jobs, now);
      const l = hub.recorder.live(now);
      return {
        now, ...l, queueDepth: s.queueDepth, oldestPendingAgeMs: s.oldestPendingAgeMs, received: edge.received, stored: edge.stored,
        duplicates: edge.duplicates + s.events.duplicates, deadLetters: s.jobs.dead, events: s.events.events, eventsByKind: s.events.eventsByKind,
      };
    },
    rollups: (since) => telemetry.since(since),
    latestEvents: (limit) => query.events({ limit, newestFirst: true }),
    deadLetters: (limit) => jobs.deadLetters(limit),
    async cost() {
      const now = Date.now();
      const measured = measuredTraffic(await telemetry.since(now - RETENTION_MS), now);
      // Without measured traffic the chart shows a planned 1M-a-month month, labelled as such by its inputs.
      const profile = buildProfile(parseCostArgs(measured ? [] : ['--volume', '1000000']), measured);
      const report = plan(profile, prices);
      return { report, svg: renderChartSvg(report) };
    },
    async metrics() {
      const s = await pipelineState(log, query, jobs, Date.now());
      hub.metrics.queueDepth.set(s.queueDepth);
      hub.metrics.oldestPendingAge.set(s.oldestPendingAgeMs / 1000);
      hub.metrics.deadLetters.set(s.jobs.dead);
      return hub.metrics.registry.metrics();
    },
  };
}
