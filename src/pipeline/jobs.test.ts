import assert from 'node:assert/strict';
import { test } from 'node:test';
import type { WahookEvent } from '../core/events.js';
import type { Job, JobQueue } from '../ports/job-queue.js';
import { Alarm } from './alarm.js';
import { failureMessage, JobRunner } from './jobs.js';

const job = (seq: number, conversation: string): Job => ({
  seq, target: 'handler', conversation, attempts: 0,
  event: { key: `k${seq}`, kind: 'message', type: 'text', tenant: 'default', provider: 'cloud_api', timestamp: seq, deliveryId: '1' } as WahookEvent,
});

/** Parts of a queue these tests need only as no-ops. */
const idleParts: Pick<JobQueue, 'enqueue' | 'deadLetters' | 'retryDeadLetters' | 'purgeDeadLetters' | 'counts' | 'release' | 'close'> = {
  async enqueue() { return 0; },
  async deadLetters() { return []; },
  async retryDeadLetters() { return 0; },
  async purgeDeadLetters() { return 0; },
  async counts() { return { pending: 0, dead: 0 }; },
  async release() {},
  async close() {},
};

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
    ...idleParts,
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

/** A queue that hands out whole lanes (up to `perLane` jobs each) and records what the runner saves, in order. */
function runQueue(lanes: Record<string, number[]>) {
  const log: string[] = [];
  const limits: number[] = [];
  const queue: JobQueue = {
    async claim(_now, limit, _lease, busy = new Set(), _scope, perLane = 1) {
      limits.push(limit);
      const out: Job[] = [];
      for (const [conversation, seqs] of Object.entries(lanes).filter(([, seqs]) => seqs.length > 0).slice(0, limit)) {
        if (!busy.has(`handler|${conversation}`)) out.push(...seqs.slice(0, perLane).map((s) => job(s, conversation)));
      }
      return out;
    },
    async complete(j, hold) {
      log.push(`complete ${j.seq}${hold ? ' held' : ''}`);
      lanes[j.conversation] = lanes[j.conversation]!.filter((s) => s !== j.seq);
    },
    async fail(j, error, retryAt) {
      log.push(`fail ${j.seq} ${retryAt === null ? 'dead' : 'retry'} ${error}`);
    },
    ...idleParts,
    async release(jobs, leasedUntil, now) {
      log.push(`release ${jobs.map((j) => j.seq).join(',')} leased until ${leasedUntil} at ${now}`);
    },
  };
  return { queue, log, limits };
}

/** A quick handler that records the jobs it ran and the most it ever ran at once. */
function watchedHandler() {
  const ran: number[] = [];
  let inFlight = 0;
  let most = 0;
  const handler = async (j: Job): Promise<void> => {
    most = Math.max(most, ++inFlight);
    await new Promise((r) => setImmediate(r));
    ran.push(j.seq);
    inFlight--;
  };
  return { ran, handler, most: () => most };
}

test('a slot runs a conversation\'s claimed jobs one after another, in order, and saves them together', async () => {
  const q = runQueue({ a: [1, 2, 3, 4], b: [5] });
  const { ran, handler, most } = watchedHandler();
  const runner = new JobRunner(q.queue, { handler }, { ...options, perLane: 3 });
  assert.equal(await runner.tick(), 3, 'one conversation for the one slot, three of its jobs');
  await runner.idle();
  assert.deepEqual(ran, [1, 2, 3]);
  assert.equal(most(), 1, 'never two jobs of a run at once');
  assert.deepEqual(q.log, ['complete 1', 'complete 2', 'complete 3']);
  assert.equal(await runner.tick(), 1, 'the rest of the conversation comes with the next claim');
  await runner.idle();
  assert.deepEqual(ran, [1, 2, 3, 4]);
});

test('a run stops at a failed job: the jobs before it are saved with the conversation held, then the failure, and the rest waits', async () => {
  const q = runQueue({ a: [1, 2, 3] });
  const ran: number[] = [];
  const handler = async (j: Job): Promise<void> => {
    ran.push(j.seq);
    if (j.seq === 2) throw new Error('boom');
  };
  const runner = new JobRunner(q.queue, { handler }, { ...options, perLane: 3 });
  await runner.tick();
  await runner.idle();
  assert.deepEqual(ran, [1, 2], 'job 3 is not run after job 2 failed');
  assert.deepEqual(q.log, ['complete 1 held', 'fail 2 retry Error: boom']);
});

test('a run goes on only while its lease leaves room for another job\'s whole timeout', async () => {
  const q = runQueue({ a: [1, 2, 3] });
  let clock = 1_000;
  const ran: number[] = [];
  // Each job takes a quarter of the time a run may use: (leaseMs - timeoutMs) / 2 = 4,000 ms.
  const handler = async (j: Job): Promise<void> => {
    ran.push(j.seq);
    clock += 2_500;
  };
  const runner = new JobRunner(q.queue, { handler }, { ...options, perLane: 3, leaseMs: 18_000, timeoutMs: 10_000, now: () => clock });
  await runner.tick();
  await runner.idle();
  assert.deepEqual(ran, [1, 2], 'job 3 would start 5,000 ms into the lease');
  assert.deepEqual(q.log, ['complete 1', 'complete 2']);
});

test('while handlers are quick, a slot takes several conversations per claim and runs them one after another', async () => {
  const q = runQueue({ a: [1], b: [2], c: [3], d: [4], e: [5] });
  const { ran, handler, most } = watchedHandler();
  const runner = new JobRunner(q.queue, { handler }, { ...options, lanesPerSlot: 3 });
  assert.equal(await runner.tick(), 1, 'one conversation until a handler has been timed');
  await runner.idle();
  assert.equal(await runner.tick(), 3);
  await runner.idle();
  assert.deepEqual(q.limits, [1, 3]);
  assert.deepEqual(ran, [1, 2, 3, 4]);
  assert.equal(most(), 1, 'still one handler at a time in the one slot');
  assert.deepEqual(q.log, ['complete 1', 'complete 2', 'complete 3', 'complete 4']);
});

test('slow handlers keep one conversation per slot', async () => {
  const q = runQueue({ a: [1], b: [2], c: [3] });
  // A run may start jobs for (200 - 100) / 2 = 50 ms after its claim; three 20 ms handlers would not fit in a quarter of that.
  const runner = new JobRunner(q.queue, { handler: () => new Promise((r) => setTimeout(r, 20)) }, { ...options, lanesPerSlot: 3, leaseMs: 200, timeoutMs: 100 });
  await runner.tick();
  await runner.idle();
  await runner.tick();
  await runner.idle();
  assert.deepEqual(q.limits, [1, 1]);
});

test('a conversation a slot reaches once the lease has no room left is not started', async () => {
  const q = runQueue({ a: [1], b: [2], c: [3] });
  let clock = 0;
  const ran: number[] = [];
  const handler = async (j: Job): Promise<void> => {
    ran.push(j.seq);
    if (j.seq === 2) clock += 30_001;
  };
  const runner = new JobRunner(q.queue, { handler }, { ...options, lanesPerSlot: 2, now: () => clock });
  await runner.tick();
  await runner.idle();
  assert.equal(await runner.tick(), 2, 'conversations b and c come in one claim');
  await runner.idle();
  assert.deepEqual(ran, [1, 2], 'c would start past the 30,000 ms a run may start jobs in');
  // c goes back to the queue at once, under this claim's lease, rather than waiting for the lease to end.
  assert.deepEqual(q.log, ['complete 1', 'complete 2', `release 3 leased until ${options.leaseMs} at 30001`]);
});

test('a handler that rejects with anything, even a value whose every conversion throws, is a recorded failure and frees its slot', async () => {
  const failures: string[] = [];
  let claims = 0;
  const queue: JobQueue = {
    async claim(_now, limit) {
      claims++;
      return claims <= 2 && limit > 0 ? [job(claims, `c${claims}`)] : [];
    },
    async complete() {},
    async fail(_j, message) { failures.push(message); },
    ...idleParts,
  };
  const hostile = new Proxy({}, { get() { throw new Error('no'); }, getPrototypeOf() { throw new Error('no'); } });
  const rejections = [Object.create(null), hostile];
  const runner = new JobRunner(queue, { handler: async () => { throw rejections.shift(); } }, { ...options, concurrency: 1 });
  assert.equal(await runner.tick(), 1);
  await runner.idle();
  assert.equal(await runner.tick(), 1, 'the slot is free again');
  await runner.idle();
  assert.equal(failures.length, 2);
  assert.deepEqual(failures, ['[object Object]', '[object]']);
});

test('a failure message keeps its code or name, and what no store can keep (NUL, lone surrogates) becomes U+FFFD', () => {
  assert.equal(failureMessage(Object.assign(new Error('down'), { code: 'WAHOOK_ERR_FORWARD_FAILED' })), 'WAHOOK_ERR_FORWARD_FAILED: down');
  assert.equal(failureMessage(new TypeError('x\u0000y\ud800')), 'TypeError: x\uFFFDy\uFFFD');
  assert.equal(failureMessage('plain'), 'plain');
  assert.equal(failureMessage({ toString() { throw new Error('no'); } }), '[object Object]');
});

test('a job past its time limit fails, and the signal its target was given aborts, so the work can stop', async () => {
  const failures: string[] = [];
  let aborted: unknown;
  let claims = 0;
  const queue: JobQueue = {
    async claim() { return claims++ === 0 ? [job(1, 'c')] : []; },
    async complete() {},
    async fail(_j, message) { failures.push(message); },
    ...idleParts,
  };
  const runner = new JobRunner(queue, {
    handler: (_j, signal) => new Promise((resolve) => signal.addEventListener('abort', () => { aborted = signal.reason; resolve(); })),
  }, { ...options, timeoutMs: 50 });
  await runner.tick();
  await runner.idle();
  assert.deepEqual(failures, ['Error: timed out after 50 ms']);
  assert.match(String(aborted), /timed out after 50 ms/);
});
