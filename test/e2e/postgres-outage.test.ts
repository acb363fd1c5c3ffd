import assert from 'node:assert/strict';
import { readFileSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import { after, before, test } from 'node:test';
import pg from 'pg';
import { tempDir } from '../helpers/gateway.js';
import { http } from '../helpers/http.js';
import { cloudTextBody, signedHeaders } from '../helpers/payloads.js';
import { until, writeHandlers } from '../helpers/pipeline.js';
import { freePort, runWahook, spawnWahook, waitForHttp } from '../helpers/process.js';
import { privatePostgres, type PrivatePostgres } from '../helpers/services.js';
import { assertNeverConcurrent, assertOncePerMessage, recordingHandlers } from '../helpers/exactly-once.js';

const cluster = await privatePostgres();
const SECRET = 'outage-secret';
const DOWN_MS = 10_000;
let dir = '';

before(() => {
  dir = tempDir();
});

after(async () => {
  if (cluster.ok) await cluster.value.destroy();
  if (dir) rmSync(dir, { recursive: true, force: true });
});

interface Answer {
  readonly id: string;
  readonly status: number;
  readonly code?: string;
  /** Whether the cluster was stopped for the whole request. */
  readonly whileDown: boolean;
}

/**
 * The real `serve` on a PostgreSQL of the test's own, which the test stops
 * with `pg_ctl stop -m fast` for 10 s while deliveries keep coming.
 */
test('PostgreSQL stopped for 10 s under load: 503 with a stable code while down, recovery without a restart, every 200 stored and made into one event', { skip: cluster.ok ? false : cluster.reason, timeout: 180_000 }, async () => {
  if (!cluster.ok) return;
  const db: PrivatePostgres = cluster.value;
  const port = await freePort();
  const handled = join(dir, 'handled.log');
  const handlers = writeHandlers(dir, recordingHandlers(handled));
  const env = {
    DATABASE_URL: db.url, WAHOOK_DB_SCHEMA: 'wahook', WAHOOK_DATA_DIR: dir, WAHOOK_APP_SECRET: SECRET, PORT: String(port), WAHOOK_HOST: '127.0.0.1',
    WAHOOK_HANDLERS: handlers, WAHOOK_WORKER_POLL_MS: '20', WAHOOK_HANDLER_TIMEOUT_MS: '1000', WAHOOK_WORKER_BACKOFF_BASE_MS: '50', WAHOOK_WORKER_BACKOFF_MAX_MS: '200', WAHOOK_LOG_LEVEL: 'warn',
  };
  assert.equal((await runWahook(['migrate'], env)).code, 0);
  const server = spawnWahook(['serve'], env);
  try {
        await waitForHttp(`http://127.0.0.1:${port}/healthz`);
    const bodies = new Map<string, Buffer>();
    const answers: Answer[] = [];
    let down = false;
    let sending = true;
    let n = 0;
    const send = async (id: string): Promise<Answer> => {
      // Many senders, so handler jobs run in many conversation lanes at once.
      const body = bodies.get(id) ?? cloudTextBody(`outage ${id}`, id, `1650555${String(bodies.size % 97).padStart(4, '0')}`);
      bodies.set(id, body);
      const wasDown = down;
      const r = await http(`http://127.0.0.1:${port}/webhook`, { body, headers: signedHeaders(body, SECRET) }).catch((e: Error) => {
        throw new Error(`no answer for ${id} (${e.message}); serve: ${server.stderr().slice(-2000)}`);
      });
      const code = r.status === 200 ? undefined : (r.json() as { error?: { code?: string } }).error?.code;
      return { id, status: r.status, ...(code ? { code } : {}), whileDown: wasDown && down };
    };
    // Two steady senders, each waiting a little after every answer: a stream, bounded by time.
    const sender = async (lane: number): Promise<void> => {
      while (sending) {
        answers.push(await send(`wamid.outage.${lane}.${n++}`));
        await new Promise((r) => setTimeout(r, 15));
      }
    };
    let failure: unknown;
    const senders = Promise.all([sender(0), sender(1)]).catch((e: unknown) => {
      failure = e;
      sending = false;
    });
    /** Waits for `cond`, failing at once with a sender's error (serve gone). */
    const waitFor = (cond: () => boolean, what: string): Promise<void> => until(() => {
      if (failure !== undefined) throw failure;
      return cond();
    }, 30_000, what);
    await waitFor(() => answers.filter((a) => a.status === 200).length >= 100, '200s before the outage');

    await db.stop();
    down = true;
    const stoppedAt = answers.length;
    await new Promise((r) => setTimeout(r, DOWN_MS));
    if (failure !== undefined) throw failure;
    down = false;
    await db.start(); 
    const restartedAt = answers.length;
    await waitFor(() => answers.slice(restartedAt).some((a) => a.status === 200), 'a 200 after PostgreSQL came back');
    const recoveredAt = answers.length; 
    await waitFor(() => answers.length >= recoveredAt + 50, 'deliveries after recovery');
    sending = false;
    await senders;
    if (failure !== undefined) throw failure;

    const duringOutage = answers.slice(stoppedAt, restartedAt).filter((a) => a.whileDown);
    assert.ok(duringOutage.length >= 20, `requests while down: ${duringOutage.length}`);
    for (const a of duringOutage) assert.deepEqual([a.status, a.code], [503, 'WAHOOK_ERR_STORE_UNAVAILABLE'], `answer while down for ${a.id}`);
    for (const a of answers) assert.ok(a.status === 200 || (a.status === 503 && a.code === 'WAHOOK_ERR_STORE_UNAVAILABLE'), `unexpected answer ${a.status} ${a.code}`);
    assert.ok(answers.slice(recoveredAt).every((a) => a.status === 200), 'every delivery after recovery is stored');
    assert.equal(server.child.exitCode, null, `serve exited: ${server.stderr()}`);

    const acked = new Set(answers.filter((a) => a.status === 200).map((a) => a.id));
    // The sender retries what was refused, as Meta does; one that committed before its connection died is a duplicate, not a second row.
    const refused = [...new Set(answers.filter((a) => a.status !== 200).map((a) => a.id))].filter((id) => !acked.has(id));
    for (let i = 0; i < refused.length; i += 8) {
      for (const a of await Promise.all(refused.slice(i, i + 8).map(send))) assert.equal(a.status, 200, `retry of ${a.id}`);
    }
    const all = [...bodies.keys()]; 

    const client = new pg.Client({ connectionString: db.url });
    await client.connect();
    try {
      await until(async () => Number((await client.query(`SELECT count(*) AS n FROM wahook.events WHERE kind = 'message'`)).rows[0].n) >= all.length, 60_000, 'every delivery made into its event');
            await until(async () => Number((await client.query('SELECT count(*) AS n FROM wahook.jobs')).rows[0].n) === 0, 60_000, 'handler jobs');
      const stored = (await client.query(`SELECT body FROM wahook.deliveries`)).rows.map((r: { body: Buffer }) => messageIdOf(r.body));
      const events = (await client.query(`SELECT json->>'messageId' AS id FROM wahook.events WHERE kind = 'message'`)).rows.map((r: { id: string }) => r.id);
      const inserted = Number((await client.query(`SELECT coalesce(sum(value), 0) AS n FROM wahook.event_counters WHERE name = 'events.message'`)).rows[0].n);
      assertOncePerMessage(all, stored, 'stored deliveries');
      assertOncePerMessage(all, events, 'message events');
      assert.equal(inserted, all.length, 'events inserted, by the store\'s own count');
    } finally {
      await client.end();
    }
    const runs = readFileSync(handled, 'utf8').trim().split('\n');
    assertNeverConcurrent(runs);
    assert.deepEqual(new Set(runs.map((l) => l.split(' ')[2])), new Set(all), 'every message handled');
  } finally {
    server.child.kill('SIGTERM');
    const { code } = await server.exited;
    assert.equal(code, 0, server.stderr());
  }
});

function messageIdOf(body: Buffer): string {
  const j = JSON.parse(body.toString('utf8')) as { entry: { changes: { value: { messages: { id: string }[] } }[] }[] };
  return j.entry[0]!.changes[0]!.value.messages[0]!.id;
}
