import assert from 'node:assert/strict';
import { test } from 'node:test';
import type { NewDelivery } from '../../core/delivery.js';
import type { SqsApi } from './sqs-api.js';
import { SqsBatchWriter } from './writer.js';

const delivery = (i: number): NewDelivery => ({
  tenant: 'default', provider: 'cloud_api', receivedAt: 1_800_000_000_000 + i, headers: {},
  body: Buffer.from(JSON.stringify({ object: 'whatsapp_business_account', entry: [], i })),
});

/** SendMessageBatch answered after a pause, each call's first entry failed once; records how many calls overlap. */
function slowSqs() {
  const state = { inFlight: 0, most: 0, order: [] as string[] };
  let failedOnce = false;
  const sqs = {
    async call(op: string, input: { Entries?: { Id: string }[] }) {
      state.inFlight++;
      state.most = Math.max(state.most, state.inFlight);
      await new Promise((r) => setTimeout(r, 5));
      state.inFlight--;
      if (op === 'SendMessage') {
        state.order.push('again');
        return { MessageId: 'again' };
      }
      const entries = input.Entries!;
      const fail = failedOnce ? [] : [entries[0]!];
      failedOnce = true;
      state.order.push(...entries.filter((e) => !fail.includes(e)).map((e) => e.Id));
      return { Successful: entries.filter((e) => !fail.includes(e)).map((e) => ({ Id: e.Id, MessageId: `m${e.Id}` })), Failed: fail.map((e) => ({ Id: e.Id, Code: 'InternalError' })) };
    },
  };
  return { state, sqs: sqs as unknown as SqsApi };
}

test('on a FIFO queue the calls of one commit go one after another, an entry SQS failed again before the next call; a standard queue sends them together', async () => {
  const fifo = slowSqs();
  const w = new SqsBatchWriter(fifo.sqs, 'http://127.0.0.1/123456789012/q.fifo', true, null);
  const rows = Array.from({ length: 25 }, (_, i) => w.encode(delivery(i)));
  const out = await w.commit(rows);
  assert.equal(fifo.state.most, 1, 'never two calls at once');
  assert.deepEqual(fifo.state.order.slice(0, 11), ['1', '2', '3', '4', '5', '6', '7', '8', '9', 'again', '10'], 'the failed entry is sent before the next call');
  assert.equal(out.result(0).id, 'again');
  assert.equal(out.result(24).id, 'm24');
  const standard = slowSqs();
  const s = new SqsBatchWriter(standard.sqs, 'http://127.0.0.1/123456789012/q', false, null);
  await s.commit(Array.from({ length: 25 }, (_, i) => s.encode(delivery(i))));
  assert.equal(standard.state.most, 3, 'three calls at once');
});
