import { AggregatorRegistry, type Registry } from 'prom-client';
import type { MetricJson } from './source.js';

/**
 * Merges the metrics of several processes as prom-client's cluster support
 * does: each by its `aggregator` (counters and histograms sum, bucket by
 * bucket; the event-loop lag takes the worst; the start time is left out).
 */
export function mergedRegistry(snapshots: readonly (readonly MetricJson[])[]): Registry {
  return AggregatorRegistry.aggregate(snapshots as unknown as object[]);
}

export function mergeMetrics(snapshots: readonly (readonly MetricJson[])[]): MetricJson[] {
  // The merged registry holds plain data: reading it back needs no collection and no wait.
  return mergedRegistry(snapshots).getMetricsAsArray().map((m) => {
    const { name, help, type, aggregator, values } = m as unknown as MetricJson;
    return { name, help, type, aggregator, values };
  });
}

/**
 * What of a process that has gone stays in the totals: its counters and
 * histograms count since the gateway started and must not go backwards; its
 * gauges (memory, in flight) went with it.
 */
export function cumulativeOnly(metrics: readonly MetricJson[]): MetricJson[] {
  return metrics.filter((m) => m.type === 'counter' || m.type === 'histogram');
}
