import type { AdminData, LiveSnapshot, MediaPanel } from '../ports/admin-data.js';
import type { DeliveryLog } from '../ports/delivery-log.js';
import type { EventQuery } from '../ports/event-query.js';
import type { JobQueue } from '../ports/job-queue.js';
import type { MediaIndex } from '../ports/media-index.js';
import type { TelemetryStore } from '../ports/telemetry-store.js';
import { benchedDuration } from '../planner/benched-duration.js';
import { buildProfile, loadPrices, parseCostArgs, plan, renderChartSvg, type BenchedDuration } from '../planner/index.js';
import { measuredTraffic } from '../telemetry/measured.js';
import type { TelemetrySource } from '../telemetry/source.js';
import { Cached, pendingAgeMs, readStoreSample, SAMPLE_MAX_AGE_MS, type StoreSample } from '../telemetry/store-sample.js';

const RETENTION_MS = 35 * 86_400_000;

/** The stores the dashboard reads, kept open while `serve` runs. */
export interface AdminStores {
  readonly log: DeliveryLog;
  readonly query: EventQuery;
  readonly jobs: JobQueue;
  readonly telemetry: TelemetryStore;
  /** Absent when media is off: the media panel then says so. */
  readonly media?: MediaIndex;
}

const NO_MEDIA: MediaPanel = { enabled: false, counts: { pending: 0, ready: 0, failed: 0 }, items: [] };

/** Items per state (kept by the engine, not counted per call) and the latest items, without where they are stored. */
async function mediaPanel(index: MediaIndex | undefined, limit: number): Promise<MediaPanel> {
  if (index === undefined) return NO_MEDIA;
  const [counts, items] = await Promise.all([index.counts(), index.list({ limit })]);
  return {
    enabled: true,
    counts,
    items: items.map((m) => ({
      tenant: m.tenant, messageId: m.messageId, kind: m.kind, state: m.state, mimeType: m.mimeType, bytes: m.bytes, error: m.error, attempts: m.attempts, updatedAt: m.updatedAt,
    })),
  };
}

/**
 * The dashboard's and admin API's view of the running gateway, over the ports.
 *
 * /metrics is open to anyone by default and /api/live is polled by every
 * open dashboard, so neither reads the stores per call: both serve one
 * sample of them, at most `SAMPLE_MAX_AGE_MS` old. `sample` reads it; `serve`
 * passes one that runs in its own thread, so the count over a backlog never
 * runs on the thread that answers webhooks. Without it the sample is read
 * here, from `stores`. `measured` is this process's telemetry, or in
 * `serve --processes N` the whole gateway's (telemetry/merged-source.ts).
 * `benched` is the Lambda duration and cold start `wahook cost` prices by
 * default (prices/lambda-duration.json): the cost panel takes the same, so
 * the dashboard and the command give one verdict for one data dir.
 */
export function createAdminData(
  stores: AdminStores,
  measured: TelemetrySource,
  priceBook: unknown,
  sample: () => Promise<StoreSample> = () => readStoreSample(stores.log, stores.query, stores.jobs, Date.now()),
  benched: BenchedDuration | null = benchedDuration(),
): AdminData {
  const { query, jobs, telemetry } = stores;
  const prices = loadPrices(priceBook);
  const current = new Cached(sample, SAMPLE_MAX_AGE_MS);
  // Rendering the registry (default process metrics included) is the rest of a scrape's cost: once per sample too.
  const exposition = new Cached(async () => {
    const s = await current.get();
    return measured.exposition({ queueDepth: s.state.queueDepth, oldestPendingAgeSeconds: pendingAgeMs(s, Date.now()) / 1000, deadLetters: s.state.jobs.dead, queueDeadLetters: s.edge.deadLettered ?? 0 });
  }, measured.expositionMaxAgeMs ?? SAMPLE_MAX_AGE_MS);
  return {
    async live(): Promise<LiveSnapshot> {
      const s = await current.get();
      const now = Date.now();
      const l = measured.liveTraffic(now);
      const { edge, state } = s;
      return {
        now, ...l, queueDepth: state.queueDepth, oldestPendingAgeMs: pendingAgeMs(s, now), received: edge.received, stored: edge.stored,
        duplicates: edge.duplicates + state.events.duplicates, deadLetters: state.jobs.dead, events: state.events.events, eventsByKind: state.events.eventsByKind,
      };
    },
    rollups: (since) => telemetry.since(since),
    latestEvents: (limit) => query.events({ limit, newestFirst: true }),
    deadLetters: (limit) => jobs.deadLetters(limit),
    media: (limit) => mediaPanel(stores.media, limit),
    async cost() {
      const now = Date.now();
      const measured = measuredTraffic(await telemetry.since(now - RETENTION_MS), now);
      // Without measured traffic the chart shows a planned 1M-a-month month, labelled as such by its inputs.
      const profile = buildProfile(parseCostArgs(measured ? [] : ['--volume', '1000000']), measured, benched);
      const report = plan(profile, prices);
      return { report, svg: renderChartSvg(report) };
    },
    metrics: () => exposition.get(),
  };
}
