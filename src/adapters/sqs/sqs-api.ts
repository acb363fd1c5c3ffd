import { createHash } from 'node:crypto';
import { credentialSource, type CredentialSource } from './credentials.js';
import { HttpClient } from './http-client.js';
import { signRequest } from './sigv4.js';

type Env = Readonly<Record<string, string | undefined>>;

/** An SQS error as the SDK names it: `name` is the service's short error code. */
export class SqsError extends Error {
  constructor(override readonly name: string, message: string, readonly status: number) {
    super(message);
  }
}

export interface SqsApiOptions {
  readonly env?: Env;
  readonly credentials?: CredentialSource;
  /** Attempts per call, the first included; the SDK's standard mode makes 3. */
  readonly maxAttempts?: number;
  /** All attempts of a call end within this (a long poll's wait added); 8 s unless given. */
  readonly budgetMs?: number;
}

const THROTTLING = new Set(['ThrottlingException', 'RequestThrottled', 'RequestThrottledException', 'TooManyRequestsException', 'KmsThrottled']);
const md5 = (s: string): string => createHash('md5').update(s, 'utf8').digest('hex');
const sleep = (ms: number): Promise<void> => new Promise((r) => setTimeout(r, ms));
// Well inside a receiving function's timeout, so a silent connection is retried on a fresh one first.
const REQUEST_TIMEOUT_MS = 5_000;
// Below the template's 10 s receiving function: a call that cannot succeed answers 503 itself, logged, rather than
// being cut off by the function's timeout.
const CALL_BUDGET_MS = 8_000;
/** An attempt with less time than this left is not started. */
const MIN_ATTEMPT_MS = 50;

/**
 * SQS over its JSON protocol, in the few lines wahook needs instead of
 * @aws-sdk/client-sqs, whose loading dominated the receiving function's
 * cold start. Same settings as the SDK: the endpoint from
 * AWS_ENDPOINT_URL_SQS (or AWS_ENDPOINT_URL), else the queue URL's own
 * host; the region from AWS_REGION; credentials from the environment or
 * the SDK's chain. Like the SDK it retries throttling, 5xx answers and
 * broken connections with jittered backoff, and checks the MD5 SQS returns
 * of each message body it stored.
 */
export class SqsApi {
  private readonly env: Env;
  private readonly credentials: CredentialSource;
  private readonly maxAttempts: number;
  private readonly budgetMs: number;
  private readonly http = new HttpClient();

  constructor(o: SqsApiOptions = {}) {
    this.env = o.env ?? process.env;
    this.credentials = o.credentials ?? credentialSource(this.env);
    this.maxAttempts = o.maxAttempts ?? 3;
    this.budgetMs = o.budgetMs ?? CALL_BUDGET_MS;
  }

  /** Where calls about this queue go: a configured endpoint wins, as in the SDK. */
  endpointFor(queueUrl: string): URL {
    const configured = this.env.AWS_ENDPOINT_URL_SQS ?? this.env.AWS_ENDPOINT_URL;
    return new URL('/', configured ?? queueUrl);
  }

  /** AWS_REGION as the SDK reads it; else the region in an `sqs.<region>.amazonaws.com` host. */
  regionFor(queueUrl: string): string {
    const configured = this.env.AWS_REGION ?? this.env.AWS_DEFAULT_REGION;
    if (configured) return configured;
    const m = /^sqs(?:-fips)?\.([a-z0-9-]+)\.amazonaws\.com/.exec(new URL(queueUrl).hostname);
    return m?.[1] ?? 'us-east-1';
  }

  /** Connects to the queue's endpoint ahead of the first call (see HttpClient.preconnect). */
  preconnect(queueUrl: string): void {
    this.http.preconnect(this.endpointFor(queueUrl));
  }

  /** One operation: its input in the SDK's shape, its output as SQS answers it. */
  async call<T>(op: string, input: { QueueUrl: string } & Record<string, unknown>): Promise<T> {
    const body = JSON.stringify(input);
    // A long poll legitimately waits up to its WaitTimeSeconds before answering.
    const waitMs = Number(input.WaitTimeSeconds ?? 0) * 1000;
    const deadline = Date.now() + waitMs + this.budgetMs;
    for (let attempt = 1; ; attempt++) {
      try {
        let expected: ReadonlyMap<string, string> | undefined;
        const timeoutMs = Math.min(waitMs + REQUEST_TIMEOUT_MS, deadline - Date.now());
        // The digests of what was sent are computed while the request travels, not after the answer.
        const out = await this.once<T>(op, input.QueueUrl, body, timeoutMs, () => (expected ??= sentDigests(op, input)));
        checkDigests(op, out, expected ?? sentDigests(op, input));
        return out;
      } catch (e) {
        // Full jitter on a doubling base, as the SDK's standard retry strategy does; no attempt past the budget.
        const backoff = Math.random() * 100 * 2 ** attempt;
        if (attempt >= this.maxAttempts || !retryable(e) || deadline - Date.now() - backoff < MIN_ATTEMPT_MS) throw e;
        await sleep(backoff);
      }
    }
  }

  private async once<T>(op: string, queueUrl: string, body: string, timeoutMs: number, whileSent: () => void): Promise<T> {
    const url = this.endpointFor(queueUrl);
    const headers = signRequest({
      method: 'POST', url, body, region: this.regionFor(queueUrl), service: 'sqs', credentials: await this.credentials(), now: new Date(),
      headers: { 'content-type': 'application/x-amz-json-1.0', 'x-amz-target': `AmazonSQS.${op}` },
    });
    headers['content-length'] = String(Buffer.byteLength(body));
    const res = await this.http.post(url, headers, body, timeoutMs, whileSent);
    if (res.status >= 200 && res.status < 300) return (res.body === '' ? {} : JSON.parse(res.body)) as T;
    throw errorOf(res.status, res.body, res.headers['x-amzn-query-error']);
  }

  async close(): Promise<void> {
    this.http.close();
  }
}

/** `__type` is `com.amazonaws.sqs#QueueDoesNotExist` or a bare code; the SDK names the error by the part after `#`. */
function errorOf(status: number, text: string, queryError: string | undefined): SqsError {
  let parsed: { __type?: string; message?: string; Message?: string } = {};
  try {
    parsed = JSON.parse(text) as typeof parsed;
  } catch {
    // A proxy's HTML or an empty body: the status alone says what happened.
  }
  const type = parsed.__type?.split('#').pop()?.split(':')[0] ?? (queryError !== undefined ? queryError.split(';')[0]! : `Http${status}`);
  return new SqsError(type, parsed.message ?? parsed.Message ?? `SQS answered ${status}`, status);
}

function retryable(e: unknown): boolean {
  if (e instanceof SqsError) return e.status >= 500 || e.status === 429 || THROTTLING.has(e.name);
  // Anything else is the connection failing before an answer (reset, refused, DNS).
  return e instanceof Error && 'code' in e;
}

interface Sent { Id?: string; MessageId?: string; MD5OfMessageBody?: string }

/** The MD5 of each message body sent, by batch entry id ('' for SendMessage); empty for other operations. */
function sentDigests(op: string, input: Record<string, unknown>): ReadonlyMap<string, string> {
  if (op === 'SendMessage') return new Map([['', md5(String(input.MessageBody))]]);
  if (op === 'SendMessageBatch') return new Map((input.Entries as { Id: string; MessageBody: string }[]).map((e) => [e.Id, md5(e.MessageBody)]));
  return new Map();
}

/**
 * What SQS stored must be what was sent, and an answer must prove it: a
 * message id and the MD5 of the body it stored (as the SDK checks), and in
 * a batch an outcome for every entry. A 2xx without them (a proxy, a wrong
 * endpoint) is not a queued delivery, so it must never become a 200.
 */
function checkDigests(op: string, out: unknown, sent: ReadonlyMap<string, string>): void {
  const unproven = (why: string): never => {
    throw new SqsError('InvalidChecksum', `SQS ${op}: ${why}`, 0);
  };
  const check = (o: Sent, expected: string | undefined): void => {
    if (typeof o.MessageId !== 'string' || o.MessageId === '') unproven('the answer names no message id');
    if (o.MD5OfMessageBody !== expected) unproven('the MD5 of a stored message body does not match what was sent');
  };
  if (op === 'SendMessage') check(out as Sent, sent.get(''));
  else if (op === 'SendMessageBatch') {
    const o = out as { Successful?: Sent[]; Failed?: { Id?: string }[] };
    const answered = new Set<string>();
    for (const ok of o.Successful ?? []) {
      check(ok, sent.get(String(ok.Id)));
      answered.add(String(ok.Id));
    }
    for (const f of o.Failed ?? []) answered.add(String(f.Id));
    for (const id of sent.keys()) if (!answered.has(id)) unproven(`entry ${id} is neither in Successful nor in Failed`);
  }
}
