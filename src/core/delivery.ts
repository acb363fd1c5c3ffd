import type { Provider } from './events.js';

/** A delivery's id in the delivery log; opaque to everything but the engine that assigned it. */
export type DeliveryId = string;

/** What the receiving edge asks the delivery log to keep. */
export interface NewDelivery {
  readonly tenant: string;
  readonly provider: Provider;
  readonly receivedAt: number;
  /** The exact bytes received; signatures are verified over them again later. */
  readonly body: Uint8Array;
  /** Only the headers needed to verify the delivery again (never a plain secret). */
  readonly headers: Readonly<Record<string, string>>;
}

export interface AppendResult {
  readonly id: DeliveryId;
  readonly duplicate: boolean;
}
