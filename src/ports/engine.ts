import type { DeliveryLog, DeliveryStore } from './delivery-log.js';
import type { EventQuery } from './event-query.js';
import type { EventStore } from './event-store.js';
import type { JobQueue } from './job-queue.js';
import type { MediaIndex } from './media-index.js';
import type { Retention } from './retention.js';
import type { TelemetryStore } from './telemetry-store.js';

export interface DeliveryStoreHooks {
  /** Called after each commit with its size, for telemetry. */
  readonly onCommit?: (rows: number, ms: number) => void;
  /**
   * Told once when the store runs with weaker guarantees than it should (a queue whose durability was relaxed),
   * and each time it starts or stops refusing deliveries for want of disk space.
   */
  readonly onWarning?: (message: string) => void;
}

/** The stores one worker uses; an engine may let them share a connection. */
export interface PipelineStores {
  readonly events: EventStore;
  readonly jobs: JobQueue;
  close(): Promise<void>;
}

/**
 * One storage engine: everything wahook keeps, behind the ports. An engine
 * is an adapter folder plus one line in the composition root; each call
 * opens what it returns, and the caller closes it.
 */
export interface Engine {
  readonly name: string;
  openDeliveryStore(hooks?: DeliveryStoreHooks): Promise<DeliveryStore>;
  openDeliveryLog(): Promise<DeliveryLog>;
  openPipelineStores(): Promise<PipelineStores>;
  openEventQuery(): Promise<EventQuery>;
  openTelemetryStore(): Promise<TelemetryStore>;
  /** Media state (see ports/media-index.ts); an engine without it cannot run the media pipeline. */
  openMediaIndex?(): Promise<MediaIndex>;
  /** Deletes what is past retention (see ports/retention.ts); an engine with a TTL of its own has none. */
  openRetention?(): Promise<Retention>;
}
