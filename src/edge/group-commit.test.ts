import assert from 'node:assert/strict';
import { test } from 'node:test';
import { GatewayError } from '../core/errors.js';
import type { NewDelivery } from '../core/delivery.js';
import type { BatchOutcome, BatchWriter } from '../ports/batch-writer.js';
import type { AppendResult } from '../ports/delivery-log.js';
import { GroupCommit } from './group-commit.js';

interface Commit {
  readonly rows: readonly string[];
  succeed(): void;
  fail(): void;
}

/** A writer across the network whose commits the test settles one by one, in any order. */
function remoteWriter(maxInFlight: number): { writer: BatchWriter<string>; commits: Commit[]; peak(): number; closed(): boolean } {
  const commits: Commit[] = [];
  let open = 0;
  let peak = 0;
  let closed = false;
  const notHere = (): never => {
    throw new Error('not on this thread');
  };
  const writer: BatchWriter<string> = {
    sameThread: false,
    maxInFlight,
    encode: (d: NewDelivery) => d.body.toString(),
    rowBytes: (r) => r.length,
    commitNow: notHere,
    commit: (rows) => new Promise<BatchOutcome>((resolve, reject) => {
      peak = Math.max(peak, ++open);
      const settle = (): void => void open--;
      commits.push({
        rows,
        succeed: () => { settle(); resolve({ result: (i) => ({ id: rows[i]!, duplicate: false }) }); },
        fail: () => { settle(); reject(new Error('connection lost')); },
      });
    }),
    afterCommit: notHere,
    poll() {},
    probe: async () => undefined,
    close: async () => { closed = true; },
  };
  return { writer, commits, peak: () => peak, closed: () => closed };
}

const delivery = (text: string): NewDelivery => ({ tenant: 'default', provider: 'cloud_api', receivedAt: 1, headers: {}, body: Buffer.from(text) });
const turn = (): Promise<void> => new Promise((r) => setImmediate(r));

/** Appends one delivery and records every answer it gets. */
function appendRecorded(store: GroupCommit<string>, text: string, answers: Map<string, (AppendResult | Error)[]>): void {
  answers.set(text, []);
  store.appendWith(delivery(text), (e, r) => answers.get(text)!.push(e === null ? r! : (e as Error)));
}

test('several batches commit at once, at most maxInFlight, and every caller is answered once with its own result', async () => {
  const w = remoteWriter(3);
  const store = new GroupCommit(w.writer);
  const answers = new Map<string, (AppendResult | Error)[]>();
  for (let i = 0; i < 5; i++) {
    appendRecorded(store, `r${i}`, answers);
    await turn();
  }
  // Three slots: the first three requests went out alone; the other two wait together for a free slot.
  assert.deepEqual(w.commits.map((c) => c.rows), [['r0'], ['r1'], ['r2']]);
  w.commits[1]!.succeed();
  await turn();
  assert.deepEqual(w.commits.map((c) => c.rows), [['r0'], ['r1'], ['r2'], ['r3', 'r4']]);
  assert.deepEqual(answers.get('r1'), [{ id: 'r1', duplicate: false }]);
  assert.deepEqual(answers.get('r0'), [], 'a batch is answered when it commits, not when an earlier-started one does');
  for (const i of [3, 2, 0]) w.commits[i]!.succeed();
  await turn();
  for (let i = 0; i < 5; i++) assert.deepEqual(answers.get(`r${i}`), [{ id: `r${i}`, duplicate: false }]);
  assert.equal(w.peak(), 3);
  await store.close();
});

test('a failed batch answers 503 to its own callers only, while the batches beside it commit', async () => {
  const w = remoteWriter(2);
  const store = new GroupCommit(w.writer);
  const answers = new Map<string, (AppendResult | Error)[]>();
  appendRecorded(store, 'a', answers);
  await turn();
  appendRecorded(store, 'b', answers);
  await turn();
  w.commits[0]!.fail();
  w.commits[1]!.succeed();
  await turn();
  const [err] = answers.get('a')!;
  assert.ok(err instanceof GatewayError && err.code === 'WAHOOK_ERR_STORE_UNAVAILABLE', 'the failed batch\'s caller gets 503');
  assert.equal(answers.get('a')!.length, 1);
  assert.deepEqual(answers.get('b'), [{ id: 'b', duplicate: false }]);
  await store.close();
});

test('close waits for every batch in flight and for what is still queued, then closes the writer', async () => {
  const w = remoteWriter(2);
  const store = new GroupCommit(w.writer);
  const answers = new Map<string, (AppendResult | Error)[]>();
  for (const t of ['a', 'b', 'c']) {
    appendRecorded(store, t, answers);
    await turn();
  }
  let closed = false;
  const closing = store.close().then(() => void (closed = true));
  w.commits[1]!.succeed();
  await new Promise((r) => setTimeout(r, 20));
  assert.equal(closed, false, 'the first batch is still committing');
  assert.deepEqual(w.commits.map((c) => c.rows), [['a'], ['b'], ['c']], 'the queued request went out once a slot was free');
  w.commits[0]!.succeed();
  await new Promise((r) => setTimeout(r, 20));
  assert.equal(closed, false, 'the last batch is still committing');
  w.commits[2]!.succeed();
  await closing;
  assert.ok(w.closed());
  for (const t of ['a', 'b', 'c']) assert.deepEqual(answers.get(t), [{ id: t, duplicate: false }]);
});
