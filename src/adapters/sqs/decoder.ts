import type { S3Client } from '@aws-sdk/client-s3';
import type { StoredDelivery } from '../../ports/delivery-log.js';
import type { DeliveryDecoder, QueuedRecord } from '../../ports/queued-delivery.js';
import { fetchClaimed } from './claim-check.js';
import { parseMessage } from './message.js';

/** A queued message back to the delivery the edge accepted; a claim-checked body is read from S3 and checked against its digest. */
export class SqsDeliveryDecoder implements DeliveryDecoder {
  constructor(private readonly s3: () => Promise<S3Client>) {}

  async decode(record: QueuedRecord): Promise<StoredDelivery> {
    const m = parseMessage(record.body);
    const body = m.s3 !== undefined ? await fetchClaimed(this.s3, m.s3) : Buffer.from(m.body!, 'base64');
    return { id: record.id, tenant: m.tenant, provider: m.provider, receivedAt: m.receivedAt, bytes: body.byteLength, headers: m.headers, body };
  }
}
