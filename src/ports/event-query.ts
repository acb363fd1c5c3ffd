import type { EventKind, WahookEvent } from '../core/events.js';
import type { Checkpoint } from './delivery-log.js';

export interface EventFilter {
  readonly kind?: EventKind;
  readonly type?: string;
  readonly since?: number;
  readonly tenant?: string;
  readonly limit?: number;
  readonly newestFirst?: boolean;
}

export interface MessageView {
  readonly tenant: string;
  readonly messageId: string;
  readonly provider: string;
  readonly type: string | null;
  readonly contact: string | null;
  readonly timestamp: number | null;
  readonly status: string | null;
  readonly failed: unknown;
  readonly statusHistory: { status: string; timestamp: number; recipient?: string; errors?: unknown }[];
}

export interface ContactView {
  readonly tenant: string;
  readonly contact: string;
  readonly profileName: string | null;
  readonly lastInboundAt: number | null;
  /** End of the 24-hour customer-service window, ms since the epoch. */
  readonly windowOpenUntil: number | null;
}

export interface EventStats {
  readonly eventsByKind: Record<string, number>;
  readonly events: number;
  readonly duplicates: number;
  readonly checkpoint: Checkpoint;
}

/** The read side of the event store, for the CLI and the dashboard; safe beside a running worker. */
export interface EventQuery {
  events(filter: EventFilter): Promise<WahookEvent[]>;
  messages(limit: number): Promise<MessageView[]>;
  contacts(limit: number, tenant?: string): Promise<ContactView[]>;
  stats(): Promise<EventStats>;
  close(): Promise<void>;
}
