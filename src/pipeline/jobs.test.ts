import assert from 'node:assert/strict';
import { test } from 'node:test';
import type { WahookEvent } from '../core/events.js';
import type { Job, JobQueue } from '../ports/job-queue.js';
import { Alarm } from './alarm.js';
import { JobRunner } from './jobs.js';

const job = (seq: number, conversation: string): Job => ({
  seq, target: 'handler', conversation, attempts: 0,
  event: { key: `k${seq}`, kind: 'message', type: 'text', tenant: 'default', provider: 'cloud_api', timestamp: seq, deliveryId: '1' } as WahookEvent,
});

/** A queue offering the heads of its lanes, whose saves wait until the test lets them through. */
function heldQueue(lanes: Record<string, number[]>) {
  const claims: { limit: number; busy: string[] }[] = [];
  const saves: { job: Job; release(): void }[] = [];
  const queue: JobQueue = {
    async claim(_now, limit, _lease, busy = new Set()) {
      claims.push({ limit, busy: [...busy] });
      const out: Job[] = [];
      for (const [conversation, seqs] of Object.entries(lanes)) {
        if (out.length < limit && seqs.length > 0 && !busy.has(`handler|${conversation}`)) out.push(job(seqs[0]!, conversation));
      }
      return out;
    },
    complete(j) {
      return new Promise<void>((release) => saves.push({ job: j, release: () => { lanes[j.conversation]!.shift(); release(); } }));
    },
    async fail() {},
    async enqueue() { return 0; },
    async deadLetters() { return []; },
    async retryDeadLetters() { return 0; },
    async purgeDeadLetters() { return 0; },
    async counts() { return { pending: 0, dead: 0 }; },
    async close() {},
  };
  /** Until `n` results have reached the queue to be saved (each handler has returned by then). */
  const saving = async (n: number): Promise<void> => {
    while (saves.length < n) await new Promise((r) => setImmediate(r));
  };
  return { queue, claims, saves, saving };
}

const until = async (cond: () => boolean): Promise<void> => {
  while (!cond()) await new Promise((r) => setImmediate(r));
};

const options = { concurrency: 1, maxAttempts: 3, backoffBaseMs: 1, backoffMaxMs: 1, leaseMs: 60_000 };

test('a slot takes the next conversation once its handler returns; the saved one stays out of claims until stored', async () => {
  const q = heldQueue({ a: [1, 2], b: [3] });
  const ran: number[] = [];
  let releases = 0;
  const runner = new JobRunner(q.queue, { handler: async (j) => void ran.push(j.seq) }, { ...options, onRelease: () => void releases++ });
  assert.equal(await runner.tick(), 1);
  await q.saving(1);
  assert.deepEqual(ran, [1]);
  assert.equal(await runner.tick(), 1, 'the slot is free while job 1 is saved');
  assert.deepEqual(q.claims[1]!.busy, ['handler|a'], 'conversation a is still this runner\'s');
  await q.saving(2);
  assert.deepEqual(ran, [1, 3]);
  assert.equal(runner.active, 2);
  q.saves[0]!.release();
  await until(() => runner.active === 1);
  assert.equal(await runner.tick(), 1);
  assert.deepEqual(q.claims[2]!.busy, ['handler|b']);
  await q.saving(3);
  assert.deepEqual(ran, [1, 3, 2], 'conversation a goes on, in order, once job 1 is stored');
  for (const s of q.saves.slice(1)) s.release();
  await runner.idle();
  assert.equal(runner.active, 0);
  assert.equal(releases, 6, 'each job told of its slot and of its conversation');
});

test('jobs whose results are still being saved stop further claims at four times the slots', async () => {
  const lanes = Object.fromEntries(Array.from({ length: 10 }, (_, i) => [`c${i}`, [i + 1]]));
  const q = heldQueue(lanes);
  const runner = new JobRunner(q.queue, { handler: async () => {} }, options);
  for (let i = 0; i < 4; i++) {
    assert.equal(await runner.tick(), 1);
    await q.saving(i + 1);
  }
  assert.equal(runner.active, 4);
  const claimsBefore = q.claims.length;
  assert.equal(await runner.tick(), 0);
  assert.equal(q.claims.length, claimsBefore, 'no claim is even asked for');
  const idle = runner.idle();
  for (const s of q.saves) s.release();
  await idle;
  assert.equal(await runner.tick(), 1);
});

test('an alarm ends a wait when it rings, and keeps a ring that came while nobody waited', async () => {
  const alarm = new Alarm();
  let ended = false;
  const waiting = alarm.wait(60_000).then(() => { ended = true; });
  await new Promise((r) => setImmediate(r));
  assert.equal(ended, false);
  alarm.wake();
  await waiting;
  assert.equal(ended, true);
  alarm.wake();
  await alarm.wait(60_000);
  let second = false;
  const again = alarm.wait(5).then(() => { second = true; });
  await new Promise((r) => setImmediate(r));
  assert.equal(second, false, 'a ring is kept for one wait only');
  await again;
});
