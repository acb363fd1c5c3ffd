import type { S3Client } from '@aws-sdk/client-s3';
import { isFifoQueue, sqsQueueUrl } from '../../core/queue-url.js';
import { GroupCommit } from '../../edge/group-commit.js';
import type { DeliveryLog, DeliveryStore } from '../../ports/delivery-log.js';
import type { DeliveryStoreHooks } from '../../ports/engine.js';
import type { DeliveryDecoder } from '../../ports/queued-delivery.js';
import { LargeDeliveries } from './claim-check.js';
import { SqsDeliveryDecoder } from './decoder.js';
import { SqsApi } from './sqs-api.js';
import { SqsBatchWriter } from './writer.js';

export interface SqsQueueOptions {
  /** `sqs://…` or `https://sqs.…`. */
  readonly url: string;
  /** S3 bucket for bodies too large for a message (the claim check); without it they are refused with 413. */
  readonly largeDeliveryBucket?: string;
  readonly waitSeconds: number;
  readonly visibilitySeconds?: number;
}

export interface SqsQueue {
  openDeliveryStore(hooks?: DeliveryStoreHooks): Promise<DeliveryStore>;
  openDeliveryLog(): Promise<DeliveryLog>;
  openDecoder(): DeliveryDecoder;
}

/**
 * SQS as the delivery log. Region, endpoints and credentials come from the
 * AWS SDK's own settings (AWS_REGION, AWS_ENDPOINT_URL_SQS,
 * AWS_ENDPOINT_URL_S3, the role), never from wahook's. SQS is called
 * through `SqsApi`, not the SDK, so the receiving function loads no SDK on
 * its cold path. The clients are made once, when first used, and shared by
 * everything opened here.
 */
export function sqsQueue(o: SqsQueueOptions): SqsQueue {
  const url = sqsQueueUrl(o.url);
  let sqs: SqsApi | undefined;
  let s3: Promise<S3Client> | undefined;
  const sqsClient = (): SqsApi => (sqs ??= new SqsApi());
  // Loaded on the first large delivery only: most containers never need it. Without a configured region (a server
  // with no AWS_REGION), the bucket is taken to be in the queue's region, as SQS itself is called; a bucket elsewhere
  // is followed by S3's own redirect.
  const s3Client = (): Promise<S3Client> => (s3 ??= import('@aws-sdk/client-s3').then((m) => {
    const configured = process.env.AWS_REGION ?? process.env.AWS_DEFAULT_REGION;
    return new m.S3Client({ followRegionRedirects: true, ...(configured ? {} : { region: sqsClient().regionFor(url) }) });
  }));
  const decoder = (): DeliveryDecoder => new SqsDeliveryDecoder(s3Client);
  return {
    openDeliveryStore: async (hooks = {}) => {
      const large = o.largeDeliveryBucket === undefined ? null : new LargeDeliveries(s3Client, o.largeDeliveryBucket);
      // The receiving function opens this during INIT: its first delivery then finds the connection made.
      sqsClient().preconnect(url);
      return new GroupCommit(new SqsBatchWriter(sqsClient(), url, isFifoQueue(url), large), hooks.onCommit);
    },
    // Only a worker reads the queue; a receiving function never loads the read side.
    openDeliveryLog: async () => {
      const { SqsDeliveryLog } = await import('./delivery-log.js');
      return new SqsDeliveryLog(sqsClient(), url, decoder(), { waitSeconds: o.waitSeconds, visibilitySeconds: o.visibilitySeconds ?? 30 });
    },
    openDecoder: decoder,
  };
}
