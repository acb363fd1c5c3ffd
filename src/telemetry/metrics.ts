import { Counter, Gauge, Histogram, Registry, collectDefaultMetrics } from 'prom-client';
import { BucketHistogram } from './bucket-histogram.js';

/**
 * Prometheus metrics. The edge's per-request counts are kept by the hub as
 * plain numbers and added here when metrics are read (`beforeRead`), so
 * the hot path resolves no labels.
 */
export function createMetrics(beforeRead: () => void = () => {}) {
  const registry = new Registry();
  collectDefaultMetrics({ register: registry, prefix: 'wahook_' });
  const m = {
    registry,
    timeTo200: new BucketHistogram(
      'wahook_time_to_200_seconds', 'Time from request start to the 200 (delivery durably stored)',
      [0.0005, 0.001, 0.002, 0.005, 0.01, 0.02, 0.05, 0.1, 0.25, 0.5, 1, 2.5],
    ),
    requests: new Counter({ name: 'wahook_http_requests_total', help: 'HTTP requests by route, status and error code', labelNames: ['route', 'status', 'code'], registers: [registry], collect: beforeRead }),
    signatureFailures: new Counter({ name: 'wahook_signature_failures_total', help: 'Deliveries refused for a missing or wrong signature', registers: [registry] }),
    duplicates: new Counter({ name: 'wahook_duplicates_total', help: 'Exact re-deliveries (edge) and duplicate events (pipeline)', labelNames: ['stage'], registers: [registry], collect: beforeRead }),
    events: new Counter({ name: 'wahook_events_total', help: 'Events inserted by kind', labelNames: ['kind'], registers: [registry] }),
    queueDepth: new Gauge({ name: 'wahook_queue_depth', help: 'Stored deliveries not yet turned into events', registers: [registry] }),
    oldestPendingAge: new Gauge({ name: 'wahook_oldest_pending_age_seconds', help: 'Age of the oldest delivery not yet processed', registers: [registry] }),
    handlerDuration: new Histogram({
      name: 'wahook_handler_duration_seconds', help: 'Duration of handler and forwarding jobs', labelNames: ['target', 'outcome'], registers: [registry],
      buckets: [0.001, 0.005, 0.01, 0.05, 0.1, 0.5, 1, 5, 10],
    }),
    handlerFailures: new Counter({ name: 'wahook_handler_failures_total', help: 'Failed handler and forwarding attempts', labelNames: ['target'], registers: [registry] }),
    deadLetters: new Gauge({ name: 'wahook_dead_letters', help: 'Events in the dead-letter list', registers: [registry] }),
    queueDeadLetters: new Gauge({ name: 'wahook_queue_dead_letters', help: 'Deliveries a Redis queue moved to its dead-letter stream after too many deliveries', registers: [registry] }),
    mediaBytes: new Counter({ name: 'wahook_media_bytes_total', help: 'Media bytes downloaded into object storage by the media pipeline', registers: [registry] }),
    // Across the processes of a cluster the worst one is the one that matters, not their sum.
    eventLoopLag: new Gauge({ name: 'wahook_event_loop_lag_seconds', help: 'Event-loop delay of the edge (p99 over the last scrape interval)', registers: [registry], aggregator: 'max' }),
    edgeProcesses: new Gauge({ name: 'wahook_edge_processes', help: 'Receiving processes whose figures this answer covers', registers: [registry] }),
  };
  m.edgeProcesses.set(1);
  registry.registerMetric(m.timeTo200 as never);
  return m;
}

export type Metrics = ReturnType<typeof createMetrics>;

/** Read from the stores by the process that answers, so they are never summed over processes. */
export const STORE_GAUGES: ReadonlySet<string> = new Set(['wahook_queue_depth', 'wahook_oldest_pending_age_seconds', 'wahook_dead_letters', 'wahook_queue_dead_letters']);

/** Measured by each receiving process; a cluster's primary has none of its own to add. */
export const EDGE_ONLY: ReadonlySet<string> = new Set(['wahook_event_loop_lag_seconds', 'wahook_edge_processes']);
