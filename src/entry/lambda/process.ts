import { asGatewayError } from '../../core/edge-request.js';
import { ingestQueued, runReadyJobs } from '../../pipeline/queue-batch.js';
import type { StoredDelivery } from '../../ports/delivery-log.js';
import type { ProcessContainer } from './container.js';
import { logLine } from './log.js';
import { containerGetter } from './restartable.js';

export interface SqsRecordLike {
  readonly messageId: string;
  readonly body: string;
  readonly eventSourceARN?: string;
  readonly attributes?: { readonly MessageGroupId?: string };
}
/** An SQS event; a scheduled event has no `Records`. */
export interface SqsEventLike {
  readonly Records?: readonly SqsRecordLike[];
}
export interface BatchResponse {
  batchItemFailures: { itemIdentifier: string }[];
}
export interface TimeLeft {
  getRemainingTimeInMillis?(): number;
}

export type SqsHandler = (event: SqsEventLike, context?: TimeLeft) => Promise<BatchResponse>;

/** Time kept back from the job runner, so the batch answers before the function's timeout. */
const RESERVE_MS = 2_000;

/**
 * The processing function, triggered by SQS with ReportBatchItemFailures:
 * each record through the same pipeline as the server's worker (events,
 * status merge, contacts, then handlers and forwarding as jobs). Only the
 * records that failed are returned, so SQS retries those alone; a record
 * that is not a delivery is a failure too, never dropped, and after the
 * queue's maxReceiveCount it rests in the dead-letter queue. On a FIFO
 * queue a failed record fails the records after it in its message group,
 * which keeps the group in order (Lambda docs, "Handling errors for an SQS
 * event source"). An event with no records (the template's schedule) only
 * runs the jobs that are due: retries, and jobs whose lease ran out.
 * @example export const handler = createSqsHandler(restartable(() => startProcessContainer(process.env)));
 */
export function createSqsHandler(container: Promise<ProcessContainer> | (() => Promise<ProcessContainer>)): SqsHandler {
  const ready = containerGetter(container);
  return async (event, context) => {
    const records = Array.isArray(event?.Records) ? event.Records : [];
    let c: ProcessContainer;
    try {
      c = await ready();
    } catch (e) {
      // Not configured: nothing can be processed; every record goes back to the queue.
      logLine('error', 'not configured', { code: asGatewayError(e).code, error: (e as Error).message });
      return { batchItemFailures: records.map((r) => ({ itemIdentifier: String(r?.messageId) })) };
    }
    const failed = new Set<string>();
    const decoded: StoredDelivery[] = [];
    const settled = await Promise.allSettled(records.map((r) => c.decoder.decode({ id: String(r?.messageId), body: typeof r?.body === 'string' ? r.body : '' })));
    // FIFO: a group's records after one that failed are not stored ahead of it; they fail with it, in order.
    const held = new Set<string>();
    settled.forEach((s, i) => {
      const id = String(records[i]?.messageId);
      const group = fifoGroupOf(records[i]);
      if (group !== undefined && held.has(group)) failed.add(id);
      else if (s.status === 'fulfilled') decoded.push(group === undefined ? s.value : { ...s.value, group });
      else {
        failed.add(id);
        if (group !== undefined) held.add(group);
        logLine('error', 'record not processed', { messageId: id, code: asGatewayError(s.reason).code });
      }
    });
    const r = await ingestQueued(decoded, c.stores.events, c.targets.specs);
    for (const id of r.failed) {
      failed.add(id);
      logLine('error', 'record not processed', { messageId: id, code: 'WAHOOK_ERR_STORE_UNAVAILABLE' });
    }
    if (c.targets.specs.length > 0) {
      const timeLeft = (): number => context?.getRemainingTimeInMillis?.() ?? Number.POSITIVE_INFINITY;
      try {
        await runReadyJobs(c.runner, timeLeft, jobReserve(timeLeft(), c.config.worker.handlerTimeoutMs));
      } catch (e) {
        // The batch's events are stored; a job that could not be claimed (the store throttled) runs on a later
        // invocation, and must not send the stored records back to the queue.
        logLine('warn', 'jobs not run now; they run later', { error: String(e) });
      }
    }
    return { batchItemFailures: records.filter((x) => failed.has(String(x?.messageId))).map((x) => ({ itemIdentifier: String(x.messageId) })) };
  };
}

let warnedShortTimeout = false;

/**
 * Time kept back when starting jobs: a job is started only while its whole timeout fits before the function's,
 * since one frozen mid-run (the invocation answered) runs again elsewhere once its lease ends, and its side
 * effects may land twice or out of order. A function whose timeout cannot fit one job keeps the old reserve alone,
 * and says so once.
 */
export function jobReserve(timeLeftMs: number, jobTimeoutMs: number): number {
  const whole = RESERVE_MS + jobTimeoutMs;
  if (timeLeftMs > whole) return whole;
  if (!warnedShortTimeout && Number.isFinite(timeLeftMs)) {
    warnedShortTimeout = true;
    logLine('warn', 'a job may outlast this invocation: set WAHOOK_HANDLER_TIMEOUT_MS below the function timeout less 2 s', { handlerTimeoutMs: jobTimeoutMs, timeLeftMs });
  }
  return RESERVE_MS;
}

/** A record's message group when it comes from a FIFO queue, whose order within a group must hold. */
function fifoGroupOf(r: SqsRecordLike | undefined): string | undefined {
  return String(r?.eventSourceARN ?? '').endsWith('.fifo') ? r?.attributes?.MessageGroupId ?? '' : undefined;
}
