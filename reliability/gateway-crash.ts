import { benchMessageId, signedRequestPool } from '../src/loadgen/payloads.js';
import { fire, flag, isMain, numFlag, prepareStore, SECRET, startServe, stopServe, verifyExactlyOnce, type EngineKind, type OnceReport } from './lib.js';

export interface GatewayCrashOptions {
  readonly engine: EngineKind;
  readonly rounds: number;
  /** Deliveries offered per round. */
  readonly burst: number;
  /** Offered requests per second (open loop). */
  readonly rate: number;
  readonly connections: number;
  readonly log?: (line: string) => void;
}

export interface GatewayCrashRound { readonly killAfter: number; readonly killAtMs: number; readonly sent: number; readonly acked: number; readonly unanswered: number; readonly answeredPerS: number }

export interface GatewayCrashReport extends OnceReport { readonly engine: EngineKind; readonly rounds: GatewayCrashRound[] }

/**
 * `serve` (edge and worker) takes a burst; at a random moment inside it the
 * process is killed with SIGKILL and started again for the next round. After
 * the last round a final `serve` drains the backlog, and every delivery that
 * was answered 200 must be in the log with exactly one message event.
 */
export async function gatewayCrash(o: GatewayCrashOptions): Promise<GatewayCrashReport> {
  const store = await prepareStore(o.engine);
  const ackedIds: string[] = [];
  const rounds: GatewayCrashRound[] = [];
  try {
    for (let r = 0; r < o.rounds; r++) {
      const serving = await startServe(store.env);
      const first = r * o.burst;
      const pool = signedRequestPool(o.burst, SECRET, '127.0.0.1', '/webhook', first);
      // A random point measured in answers, not time: a gateway still warming up must not be killed before the burst reaches it.
      const killAfter = Math.floor((0.1 + 0.8 * Math.random()) * o.burst);
      const started = performance.now();
      let killAtMs = -1;
      const onAnswer = (n: number): void => {
        if (n !== killAfter) return;
        killAtMs = Math.round(performance.now() - started);
        serving.proc.child.kill('SIGKILL');
      };
      const f = await fire(serving.port, { count: o.burst, rate: o.rate, connections: o.connections, request: (i) => pool.at(i), onAnswer });
      await stopServe(serving, 'SIGKILL');
      for (const i of f.acked) ackedIds.push(benchMessageId(first + i));
      const round = { killAfter, killAtMs, sent: f.sent, acked: f.acked.length, unanswered: f.unanswered, answeredPerS: Math.round(((f.sent - f.unanswered) * 1000) / f.ms) };
      rounds.push(round);
      o.log?.(`round ${r + 1}/${o.rounds}: killed after ${killAfter} answers (${killAtMs} ms), sent ${round.sent}, acknowledged ${round.acked}, unanswered ${round.unanswered}`);
    }
    const final = await startServe(store.env);
    try {
      return { engine: o.engine, rounds, ...(await verifyExactlyOnce(store.config, ackedIds)) };
    } finally {
      await stopServe(final);
    }
  } finally {
    await store.dispose();
  }
}

export function summary(o: GatewayCrashOptions, r: GatewayCrashReport): string {
  const sent = r.rounds.reduce((n, x) => n + x.sent, 0);
  const rates = r.rounds.map((x) => x.answeredPerS);
  return [
    `gateway crashes (${r.engine}): ${r.rounds.length} rounds of ${o.burst} deliveries offered at ${o.rate}/s over ${o.connections} connections`,
    `  kill points (answers before the kill @ ms into the burst): ${r.rounds.map((x) => `${x.killAfter}@${x.killAtMs}`).join(', ')}`,
    `  sent ${sent}, acknowledged ${r.acked}, unanswered ${r.rounds.reduce((n, x) => n + x.unanswered, 0)}; answers/s before the kill ${Math.min(...rates)}-${Math.max(...rates)}`,
    `  stored deliveries ${r.storedDeliveries}, message events ${r.messageEvents}`,
    `  lost ${r.lost}, duplicated ${r.duplicated}`,
  ].join('\n');
}

if (isMain(import.meta.url)) {
  const o: GatewayCrashOptions = {
    engine: flag('engine', 'sqlite') as EngineKind,
    rounds: numFlag('rounds', 20),
    burst: numFlag('burst', 5000),
    rate: numFlag('rate', 5000),
    connections: numFlag('connections', 50),
    log: (l) => console.error(l),
  };
  const r = await gatewayCrash(o);
  console.log(summary(o, r));
  process.exitCode = r.lost === 0 && r.duplicated === 0 ? 0 : 1;
}
