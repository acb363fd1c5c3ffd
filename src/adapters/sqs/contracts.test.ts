import { rmSync } from 'node:fs';
import { after } from 'node:test';
import { deliveryLogContract, deliveryLogFixture } from '../../../test/contracts/delivery-log.contract.js';
import { startSqs } from '../../../test/helpers/aws-local.js';
import { SECRET, tempDir } from '../../../test/helpers/gateway.js';
import { createEngine } from '../../compose.js';
import { loadConfig } from '../../config/load.js';

/**
 * The delivery log suite against a standard SQS queue, composed as
 * `wahook worker --queue sqs://…` composes it, on the SQS test double
 * (each fixture a queue of its own).
 */
const sqs = await startSqs();
after(() => sqs.close());
let n = 0;

deliveryLogContract('sqs, standard queue', async () => {
  const url = sqs.createQueue(`contract-${n++}`);
  const dir = tempDir('wahook-sqs-contract-');
  // A short long-poll wait: the cases that expect an empty read wait it out.
  const engine = createEngine(loadConfig({ flags: { 'data-dir': dir, queue: url }, env: { WAHOOK_APP_SECRET: SECRET, WAHOOK_QUEUE_WAIT_SECONDS: '1' } }));
  return deliveryLogFixture(() => engine.openDeliveryStore(), () => engine.openDeliveryLog(), async () => rmSync(dir, { recursive: true, force: true }));
}, {
  without: {
    order: 'a standard queue delivers at least once and in no guaranteed order, and a read hides what it returns rather than reading from a position, so there is no order to page through and nothing to read again from START',
    dedupe: 'a standard queue keeps every send as a message of its own and cannot tell the sender it saw the bytes before; the events of a re-delivery are caught downstream by their keys',
    browse: 'a queue only hands out what waits in it: it cannot filter, replay up to a checkpoint, list the latest deliveries or count behind a checkpoint (those reads answer WAHOOK_ERR_QUEUE_UNSUPPORTED)',
    counters: 'a queue keeps no counters; the receiving process counts what it received and refused in its own telemetry',
  },
  // The composed log leases a message for 30 s (SQS's default visibility timeout); the double's clock moves past it.
  leases: { expire: async () => sqs.advance(31_000) },
});
