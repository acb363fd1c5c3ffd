import type { AttributeValue } from '@aws-sdk/client-dynamodb';
import { laneOf, type JobTargetSpec } from '../../core/job-routing.js';
import type { WahookEvent } from '../../core/events.js';
import type { ClaimScope, DeadLetter, Job, JobCounts, JobQueue } from '../../ports/job-queue.js';
import { N, num, pad, S, str, updateOf, type Ddb, type Item } from './ddb.js';
import { fromJsonAttr, jsonAttr } from './json-attr.js';
import type { TableNames } from './tables.js';

const PENDING = 0;
const DEAD = 2;
const COUNTS_KEY = { pk: S('COUNTS'), sk: S('COUNTS') };
const laneKey = (target: string, conversation: string) => ({ pk: S(`L#${target}|${conversation}`), sk: S('LANE') });
const jobKey = (target: string, conversation: string, seq: number) => ({ pk: S(`L#${target}|${conversation}`), sk: S(`J#${pad(seq)}`) });
/** The `ready` index orders lanes by due time, then by name. */
const readyAt = (runAt: number, target: string, conversation: string): AttributeValue => S(`${pad(runAt)}#${target}|${conversation}`);

async function toJob(j: Item, leasedUntil?: number): Promise<Job> {
  return {
    seq: num(j, 'seq')!, target: str(j, 'target')!, conversation: str(j, 'conversation')!, attempts: num(j, 'attempts')!, event: await fromJsonAttr<WahookEvent>(j.event),
    ...(leasedUntil === undefined ? {} : { leasedUntil }),
  };
}

/** A lane write that holds only while the lane is still under the lease given (none: it always holds). */
const underLease = (lease: number | undefined) => (lease === undefined ? undefined : { expr: '#runAt = :lease', names: { '#runAt': 'runAt' }, values: { ':lease': N(lease) } });

/**
 * Jobs in DynamoDB, one partition per lane (target and conversation): the
 * lane item names its head, the oldest pending job, and is due at `runAt`,
 * which a claim moves to the end of the lease. A claim is a conditional
 * update of the lane on the `runAt` it read, so of two workers that read
 * the same lane only one wins it; the loser moves on to the next lane.
 */
export class DynamoJobQueue implements JobQueue {
  constructor(private readonly ddb: Ddb, private readonly t: TableNames) {}

  /**
   * Queues a job (once per event and target) and makes its lane if there is none; the event store calls it as it
   * inserts events. The lane is made even when the job was there already: a writer that died between the two left
   * a job no lane would ever reach. The count comes last; it is a figure to show, not what claims go by.
   */
  async outbox(seq: number, target: string, conversation: string, event: WahookEvent, now: number): Promise<boolean> {
    const job = {
      ...jobKey(target, conversation, seq), seq: N(seq), target: S(target), conversation: S(conversation), attempts: N(0), state: N(PENDING),
      runAt: N(now), updatedAt: N(now), tenant: S(event.tenant), key: S(event.key), event: await jsonAttr(event),
    };
    const fresh = await this.ddb.put(this.t.jobs, job, true);
    await this.ensureLane(target, conversation, seq, now);
    if (fresh) await this.ddb.update(this.t.jobs, COUNTS_KEY, updateOf({}, { add: { pending: 1 } }));
    return fresh;
  }

  private async ensureLane(target: string, conversation: string, head: number, runAt: number): Promise<void> {
    await this.ddb.put(this.t.jobs, { ...laneKey(target, conversation), target: S(target), conversation: S(conversation), head: N(head), runAt: N(runAt), rpk: S('READY'), rsk: readyAt(runAt, target, conversation) }, true);
  }

  async enqueue(target: string, events: readonly { tenant: string; key: string }[], now: number, lane?: JobTargetSpec['lane']): Promise<number> {
    let n = 0;
    for (const { tenant, key } of events) {
      const e = await this.ddb.get(this.t.events, { pk: S(`E#${tenant}#${key}`), sk: S('E') });
      if (e === undefined) continue;
      const event = await fromJsonAttr<WahookEvent>(e.json);
      if (await this.outbox(num(e, 'gsk')!, target, laneOf(lane, event), event, now)) n++;
    }
    return n;
  }

  /** A scope limits the claim to some targets (`only`) or keeps some out (`except`): the media runner and the handlers' runner claim apart. */
  async claim(now: number, limit: number, leaseMs: number, busy: ReadonlySet<string> = new Set(), scope: ClaimScope = {}): Promise<Job[]> {
    const inScope = (target: string): boolean => (scope.only === undefined || scope.only.includes(target)) && !(scope.except ?? []).includes(target);
    const jobs: Job[] = [];
    let start: Item | undefined;
    do {
      const page = await this.ddb.send<{ Items?: Item[]; LastEvaluatedKey?: Item }>((m) => new m.QueryCommand({
        TableName: this.t.jobs, IndexName: 'ready', KeyConditionExpression: 'rpk = :r AND rsk <= :due',
        ExpressionAttributeValues: { ':r': S('READY'), ':due': S(`${pad(now)}#\uffff`) }, Limit: Math.max(10, limit * 2), ...(start ? { ExclusiveStartKey: start } : {}),
      }));
      for (const lane of page.Items ?? []) {
        if (jobs.length === limit) break;
        const target = str(lane, 'target')!;
        const conversation = str(lane, 'conversation')!;
        if (busy.has(`${target}|${conversation}`) || !inScope(target)) continue;
        const won = await this.ddb.update(this.t.jobs, laneKey(target, conversation), updateOf({ runAt: N(now + leaseMs), rsk: readyAt(now + leaseMs, target, conversation) }), {
          expr: '#runAt = :old AND #head = :head', names: { '#runAt': 'runAt', '#head': 'head' }, values: { ':old': lane.runAt!, ':head': lane.head! },
        });
        if (won === false) continue;
        const head = num(lane, 'head')!;
        const job = await this.ddb.get(this.t.jobs, jobKey(target, conversation, head));
        if (job !== undefined && num(job, 'state') === PENDING) jobs.push(await toJob(job, now + leaseMs));
        // Its head finished (or went to the dead letters) but the lane was not moved on, by a worker that died in
        // between: move it now, or the conversation's later jobs would wait on it for ever.
        else await this.advanceLane(target, conversation, head, now + leaseMs);
      }
      start = page.LastEvaluatedKey;
    } while (start !== undefined && jobs.length < limit);
    return jobs;
  }

  async release(jobs: readonly Job[], leasedUntil: number, now: number): Promise<void> {
    for (const j of jobs) {
      await this.ddb.update(this.t.jobs, laneKey(j.target, j.conversation), updateOf({ runAt: N(now), rsk: readyAt(now, j.target, j.conversation) }), {
        expr: '#runAt = :leased AND #head = :head', names: { '#runAt': 'runAt', '#head': 'head' }, values: { ':leased': N(leasedUntil), ':head': N(j.seq) },
      });
    }
  }

  async complete(job: Job): Promise<void> {
    const done = await this.ddb.delete(this.t.jobs, jobKey(job.target, job.conversation, job.seq), { expr: '#s = :p', names: { '#s': 'state' }, values: { ':p': N(PENDING) } });
    // Already finished by a worker whose lease had run out: the lane, if still under this claim, is this one's to move on.
    if (!done) return job.leasedUntil === undefined ? undefined : this.advanceLane(job.target, job.conversation, job.seq, job.leasedUntil);
    await this.ddb.update(this.t.jobs, COUNTS_KEY, updateOf({}, { add: { pending: -1 } }));
    await this.advanceLane(job.target, job.conversation, job.seq, job.leasedUntil);
  }

  async fail(job: Job, error: string, retryAt: number | null, now: number): Promise<void> {
    const key = jobKey(job.target, job.conversation, job.seq);
    const pending = { expr: '#s = :p', names: { '#s': 'state' }, values: { ':p': N(PENDING) } };
    const message = S(error.slice(0, 4000));
    if (retryAt === null) {
      const dead = await this.ddb.update(this.t.jobs, key, updateOf({ state: N(DEAD), lastError: message, updatedAt: N(now), dpk: S('DEAD'), dsk: N(job.seq) }, { add: { attempts: 1 } }), pending);
      if (dead === false) return;
      await this.ddb.update(this.t.jobs, COUNTS_KEY, updateOf({}, { add: { pending: -1, dead: 1 } }));
      await this.advanceLane(job.target, job.conversation, job.seq, job.leasedUntil);
    } else if ((await this.ddb.update(this.t.jobs, key, updateOf({ runAt: N(retryAt), lastError: message, updatedAt: N(now) }, { add: { attempts: 1 } }), pending)) !== false) {
      await this.setHead(job.target, job.conversation, job.seq, retryAt, job.leasedUntil);
    }
  }

  /** Points the lane at `head`, due at `runAt`; with a lease, only while the lane is still under it (else its holder moves it). */
  private async setHead(target: string, conversation: string, head: number, runAt: number, lease?: number): Promise<void> {
    await this.ddb.update(this.t.jobs, laneKey(target, conversation), updateOf({ target: S(target), conversation: S(conversation), head: N(head), runAt: N(runAt), rpk: S('READY'), rsk: readyAt(runAt, target, conversation) }), underLease(lease));
  }

  private async oldestPending(target: string, conversation: string): Promise<Item | undefined> {
    const [next] = await this.ddb.query({
      TableName: this.t.jobs, KeyConditionExpression: 'pk = :pk AND begins_with(sk, :j)', FilterExpression: '#s = :p', ConsistentRead: true,
      ExpressionAttributeNames: { '#s': 'state' }, ExpressionAttributeValues: { ':pk': laneKey(target, conversation).pk, ':j': S('J#'), ':p': N(PENDING) },
    }, 1);
    return next;
  }

  /**
   * The lane's head becomes its oldest pending job (or the lane goes). A job
   * queued while the lane was being dropped would be left without a lane, so
   * after dropping it the lane is looked at once more.
   */
  private async advanceLane(target: string, conversation: string, finished: number, lease?: number): Promise<void> {
    const next = await this.oldestPending(target, conversation);
    if (next !== undefined) return this.setHead(target, conversation, num(next, 'seq')!, num(next, 'runAt')!, lease);
    const held = underLease(lease);
    await this.ddb.delete(this.t.jobs, laneKey(target, conversation), {
      expr: `#h = :h${held ? ` AND ${held.expr}` : ''}`, names: { '#h': 'head', ...held?.names }, values: { ':h': N(finished), ...held?.values },
    });
    const late = await this.oldestPending(target, conversation);
    if (late !== undefined) await this.ensureLane(target, conversation, num(late, 'seq')!, num(late, 'runAt')!);
  }

  private async dead(seqs: readonly number[], limit = Number.POSITIVE_INFINITY): Promise<Item[]> {
    const all = await this.ddb.query({ TableName: this.t.jobs, IndexName: 'dead', KeyConditionExpression: 'dpk = :d', ExpressionAttributeValues: { ':d': S('DEAD') } }, seqs.length ? Number.POSITIVE_INFINITY : limit);
    return seqs.length ? all.filter((j) => seqs.includes(num(j, 'seq')!)) : all;
  }

  async deadLetters(limit: number): Promise<DeadLetter[]> {
    return Promise.all((await this.dead([], limit)).map(async (j) => ({
      seq: num(j, 'seq')!, target: str(j, 'target')!, key: str(j, 'key')!, attempts: num(j, 'attempts')!,
      lastError: str(j, 'lastError') ?? '', updatedAt: num(j, 'updatedAt')!, event: await fromJsonAttr<WahookEvent>(j.event),
    })));
  }

  /** Revived jobs rejoin their lane; the lane head becomes the oldest pending job again, so order holds. */
  async retryDeadLetters(seqs: readonly number[], now: number, onlyTarget?: string): Promise<number> {
    let n = 0;
    const lanes = new Map<string, [string, string]>();
    for (const j of await this.dead(seqs)) {
      const target = str(j, 'target')!;
      if (onlyTarget !== undefined && target !== onlyTarget) continue;
      const conversation = str(j, 'conversation')!;
      const revived = await this.ddb.update(this.t.jobs, jobKey(target, conversation, num(j, 'seq')!), updateOf({ state: N(PENDING), attempts: N(0), runAt: N(now), updatedAt: N(now), dpk: undefined, dsk: undefined }), {
        expr: '#s = :d', names: { '#s': 'state' }, values: { ':d': N(DEAD) },
      });
      if (revived === false) continue;
      n++;
      lanes.set(`${target}|${conversation}`, [target, conversation]);
      await this.ddb.update(this.t.jobs, COUNTS_KEY, updateOf({}, { add: { pending: 1, dead: -1 } }));
    }
    for (const [target, conversation] of lanes.values()) {
      const head = await this.oldestPending(target, conversation);
      if (head !== undefined) await this.setHead(target, conversation, num(head, 'seq')!, num(head, 'runAt')!);
    }
    return n;
  }

  async purgeDeadLetters(seqs: readonly number[]): Promise<number> {
    let n = 0;
    for (const j of await this.dead(seqs)) {
      const gone = await this.ddb.delete(this.t.jobs, { pk: j.pk!, sk: j.sk! }, { expr: '#s = :d', names: { '#s': 'state' }, values: { ':d': N(DEAD) } });
      if (!gone) continue;
      n++;
      await this.ddb.update(this.t.jobs, COUNTS_KEY, updateOf({}, { add: { dead: -1 } }));
    }
    return n;
  }

  async counts(): Promise<JobCounts> {
    const c = await this.ddb.get(this.t.jobs, COUNTS_KEY);
    return { pending: num(c, 'pending') ?? 0, dead: num(c, 'dead') ?? 0 };
  }

  async close(): Promise<void> {}
}
