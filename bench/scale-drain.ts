/**
 * Drain on PostgreSQL: the drain benchmark's backlog (100,000 deliveries by default) drained by one
 * and then by two `wahook worker` processes sharing the database, each from a fresh copy, in one run;
 * events/s, the connections the workers held at most, and a check that every event of the backlog
 * was inserted exactly once. `--handlers` adds an empty handler, so every event also becomes a job.
 * Run alone on the machine:
 *   npm run bench:scale-drain -- [--deliveries 100000] [--workers 1,2] [--handlers] [--database-url postgres://…] [--json]
 */
import { cpus } from 'node:os';
import { arg, argText, hasFlag, printTable } from './lib.js';
import { databaseUrl } from './services.js';
import { drainRow, drainWith, seedBacklog, type DrainResult } from './pg-drain.js';

const DELIVERIES = arg('deliveries', 100_000);
const WORKERS = argText('workers', '1,2').split(',').map(Number);
const HANDLERS = hasFlag('handlers');

const backlog = await seedBacklog(databaseUrl(), DELIVERIES);
const runs: DrainResult[] = [];
try {
  for (const w of WORKERS) {
    const r = await drainWith(backlog, w, HANDLERS);
    runs.push(r);
    process.stderr.write(`${w} worker(s): ${r.eventsPerSecond.toFixed(0)} events/s in ${r.seconds.toFixed(1)} s\n`);
  }
} finally {
  await backlog.seeded.drop();
}
const one = runs.find((r) => r.workers === 1);
const two = runs.find((r) => r.workers === 2);
const result = {
  conditions: { deliveries: DELIVERIES, distinctEvents: backlog.expected.size, handlers: HANDLERS ? 'empty handler, one job per event' : 'none', dbPoolMaxPerWorker: 10, node: process.version, cpus: cpus().length },
  runs,
  ratio: one && two ? { twoWorkersOverOne: two.eventsPerSecond / one.eventsPerSecond } : undefined,
};
printTable(`Drain on PostgreSQL: ${DELIVERIES} deliveries, ${backlog.expected.size} distinct events`, runs.map((r) => drainRow(`${r.workers} worker${r.workers > 1 ? 's' : ''}`, r)));
if (result.ratio) printTable('Ratio', [{ '2 workers / 1 (events/s)': result.ratio.twoWorkersOverOne }]);
if (hasFlag('json')) console.log(JSON.stringify(result, null, 2));
if (runs.some((r) => !r.exactlyOnce.ok || r.jobsLeft > 0)) process.exitCode = 1;
