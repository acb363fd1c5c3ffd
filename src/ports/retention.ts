/** What retention deletes: raw deliveries, events, and per-minute telemetry rollups. */
export type RetentionKind = 'deliveries' | 'events' | 'rollups';

/**
 * Deletes what is past its retention age, one small batch per call, so no
 * lock is held for long and the edge and the worker go on meanwhile. It
 * never deletes what the pipeline still needs: a delivery the worker has not
 * taken yet (after its checkpoint), or an event with a job still pending or
 * dead-lettered. Engines with a TTL of their own (DynamoDB) have none.
 */
export interface Retention {
  /** Deletes at most `limit` rows of `kind` older than `beforeMs` (epoch ms); resolves with how many it deleted. */
  prune(kind: RetentionKind, beforeMs: number, limit: number): Promise<number>;
  close(): Promise<void>;
}
