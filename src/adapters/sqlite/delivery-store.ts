import type { ErrorCode } from '../../core/errors.js';
import { GroupCommit } from '../../edge/group-commit.js';
import type { BatchOutcome, BatchWriter } from '../../ports/batch-writer.js';
import type { NewDelivery } from '../../ports/delivery-log.js';
import { DELIVERIES_FILE, DeliveryWriter } from './delivery-writer.js';
import { DELIVERY_MIGRATIONS } from './delivery-migrations.js';
import { openDatabase } from './open.js';
import { inline, threaded, type WriterCalls } from './writer-link.js';
import { packBatch, unpackResult, type WireDelivery } from './delivery-wire.js';
import { storedHeaders } from './stored-headers.js';

export { DELIVERIES_FILE } from './delivery-writer.js';

export interface SqliteDeliveryStoreOptions {
  readonly dataDir: string;
  readonly busyTimeoutMs?: number;
  /** Commit in a writer thread (default) or on the calling thread. */
  readonly thread?: boolean;
  /** With `thread: false`: flush the index on a timer, as a long-running server needs. */
  readonly serving?: boolean;
  /** Called after each commit with its size, for telemetry. */
  readonly onCommit?: (rows: number, ms: number) => void;
}

function outcomeOf(results: Float64Array): BatchOutcome {
  return { result: (i) => unpackResult(results, i) };
}

/** deliveries.db's writer as group commit sees it, on this thread or in its own. */
function batchWriter(calls: WriterCalls): BatchWriter<WireDelivery> {
  return {
    sameThread: calls.sameThread,
    encode(d: NewDelivery): WireDelivery {
      const { signature, rest } = storedHeaders(d.headers);
      return { tenant: d.tenant, provider: d.provider, receivedAt: d.receivedAt, body: d.body, signature, headers: rest };
    },
    rowBytes: (row) => row.body.length,
    commitNow: (rows, rejections) => outcomeOf(calls.commitNow(rows, rejections as [ErrorCode, number][])),
    commit: async (rows, rejections) => outcomeOf((await calls.call({ t: 'commit', ...packBatch(rows), rejections: rejections as [ErrorCode, number][] })) as Float64Array),
    afterCommit: () => calls.afterCommit(),
    poll: () => calls.poll(),
    probe: async (bytes) => void (await calls.call({ t: 'probe', bytes })),
    close: () => calls.close(),
  };
}

/**
 * The embedded delivery log's write side: group commit (src/edge/group-commit.ts)
 * over one synced SQLite transaction per batch, committed on the event loop
 * or in a writer thread (see writerThread() in index.ts).
 */
export class SqliteDeliveryStore extends GroupCommit<WireDelivery> {
  private constructor(private readonly calls: WriterCalls, onCommit?: (rows: number, ms: number) => void) {
    super(batchWriter(calls), onCommit);
  }

  static async open(opts: SqliteDeliveryStoreOptions): Promise<SqliteDeliveryStore> {
    const busy = opts.busyTimeoutMs ?? 1000;
    if (opts.thread === false) {
      return new SqliteDeliveryStore(inline(new DeliveryWriter(opts.dataDir, busy, opts.serving === true)), opts.onCommit);
    }
    // Opening here first surfaces config and schema errors synchronously at start. Only the database:
    // the dedupe index is the writer thread's alone (it alone may take the unclean-stop marker).
    openDatabase(opts.dataDir, DELIVERIES_FILE, DELIVERY_MIGRATIONS, { busyTimeoutMs: busy }).close();
    return new SqliteDeliveryStore(await threaded(opts.dataDir, busy), opts.onCommit);
  }

  /** Runs one SQL statement on the writer's connection (operations and adapter tests, e.g. a checkpoint). */
  exec(sql: string): Promise<unknown> {
    return this.calls.call({ t: 'exec', sql });
  }
}
