import type { StoredDelivery } from './delivery-log.js';

/** One message as a queue-triggered function receives it (an SQS record of a Lambda event). */
export interface QueuedRecord {
  /** The queue's message id; it becomes the delivery's id. */
  readonly id: string;
  readonly body: string;
}

/**
 * Turns a queued message back into the delivery the edge accepted, reading
 * a large body from where the edge put it (a claim check). Throws a
 * GatewayError when the message is not a delivery or its body is gone or
 * altered.
 * @example const delivery = await decoder.decode({ id: record.messageId, body: record.body });
 */
export interface DeliveryDecoder {
  decode(record: QueuedRecord): Promise<StoredDelivery>;
}
