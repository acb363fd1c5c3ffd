import { writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createEngine } from '../../compose.js';
import { runBench } from '../../loadgen/bench.js';
import type { ProgressSink } from '../../loadgen/progress.js';
import { percentileMs, summarise } from '../../loadgen/report.js';
import { burst } from '../../loadgen/schedule.js';
import { benchedDuration } from '../../planner/benched-duration.js';
import { count, usd } from '../../planner/format.js';
import { buildProfile, loadPrices, parseCostArgs, plan } from '../../planner/index.js';
import { defaultPrices } from '../../planner/shipped-prices.js';
import type { MessageView } from '../../ports/event-query.js';
import { stringFlag, type ParsedArgs } from './args.js';
import { countFlag, latencyChart, verifyRun } from './bench.js';
import { startDemoGateway } from './demo-gateway.js';

/** The demo prices its burst as one campaign like it every hour of the month. */
const BURSTS_A_MONTH = 730;

/** Out-of-order arrivals that the store now shows in their real order, ending at `read`. */
function putInOrder(outOfOrder: readonly string[], messages: readonly MessageView[]): number {
  const byId = new Map(messages.map((m) => [m.messageId, m]));
  return outOfOrder.filter((id) => {
    const m = byId.get(id);
    const times = m?.statusHistory.map((h) => h.timestamp) ?? [];
    return m?.status === 'read' && times.every((t, i) => i === 0 || t >= times[i - 1]!);
  }).length;
}

function costVerdict(deliveries: number): string[] {
  const volume = deliveries * BURSTS_A_MONTH;
  const args = parseCostArgs(['--volume', String(volume), '--peak-rps', String(deliveries), '--profile', 'campaign']);
  const report = plan(buildProfile(args, null, benchedDuration()), loadPrices(defaultPrices()));
  const d = report.dedicated;
  const choice = report.recommendation.choice === 'lambda' ? 'AWS Lambda' : 'dedicated servers';
  return [
    `   this burst once an hour for a month: ${count(volume)} deliveries, peaks of ${count(deliveries)}/s`,
    `   Lambda ${usd(report.lambda.monthlyUsd)} a month, dedicated ${usd(d.monthlyUsd)} a month (${d.instances} x ${d.offer.provider} ${d.offer.name})`,
    `   verdict: ${choice}${report.recommendation.tooClose ? ' (too close to call)' : ''}; ${report.recommendation.reasons[0] ?? ''}`,
    '   (wahook cost --volume N --peak-rps R prices your own traffic)',
  ];
}

/**
 * `wahook demo [--count N] [--svg F]`: a gateway on a temporary store, a
 * campaign burst at it, and what came of it.
 */
export async function demoCommand(args: ParsedArgs, out: (s: string) => void, progress: ProgressSink): Promise<number> {
  const deliveries = countFlag(args.flags, 'count', 5000);
  const svg = stringFlag(args.flags, 'svg') ?? join(tmpdir(), `wahook-demo-${Date.now()}.svg`);
  const started = performance.now();
  const gw = await startDemoGateway();
  try {
    out(`1. Gateway: wahook serve at ${gw.url}/webhook, edge and worker on an embedded SQLite store in ${gw.dataDir} (up in ${Math.round(performance.now() - started)} ms)\n`);
    out(`2. Campaign burst: ${count(deliveries)} signed deliveries within one second (messages of every type, statuses, batches, 5% sent twice)\n`);
    const b = await runBench({ url: `${gw.url}/webhook`, secret: gw.secret, schedule: burst(deliveries), connections: countFlag(args.flags, 'connections', 64), duplicateRate: 0.05, timeoutMs: 30_000, progress });
    const verify = await verifyRun(b, gw.config, 45_000);
    const s = summarise(b.run, b.traffic, verify);
    out(`   sent ${count(s.sent)} in ${(s.durationMs / 1000).toFixed(2)} s: ${count(s.ok)} answered 200, ${count(s.errors)} not\n`);
    const engine = createEngine(gw.config);
    const query = await engine.openEventQuery();
    const log = await engine.openDeliveryLog();
    const stats = await query.stats();
    const edge = await log.edgeCounters();
    const messages = await query.messages(10 * deliveries + 100);
    await log.close();
    await query.close();
    const kinds = Object.entries(stats.eventsByKind).map(([k, n]) => `${k} ${count(n)}`).join(', ');
    out(`3. Stored: ${count(edge.stored)} deliveries, ${count(stats.events)} events (${kinds})\n`);
    out(`   duplicates caught: ${count(edge.duplicates)} exact re-deliveries answered 200 and stored once; ${count(stats.duplicates)} repeated events dropped by key\n`);
    out(`   statuses put in order: ${putInOrder(b.traffic.outOfOrder, messages)} of ${b.traffic.outOfOrder.length} outbound messages whose statuses arrived out of order now read sent -> delivered -> read\n`);
    out(`   every acknowledged delivery processed exactly once: lost ${verify.lost}, duplicated ${verify.duplicated} (${count(verify.found)} of ${count(verify.expected)} events)\n`);
    const acked = b.run.acknowledged;
    out(`4. Time to 200: p99 ${percentileMs(acked, 99).toFixed(1)} ms (p50 ${percentileMs(acked, 50).toFixed(1)} ms, max ${(acked.maxValue / 1000).toFixed(1)} ms), from each request's intended send time\n`);
    out(`5. Cost, Lambda against dedicated:\n${costVerdict(deliveries).join('\n')}\n`);
    writeFileSync(svg, latencyChart(b, s, `wahook demo: ${count(deliveries)} deliveries in one second, latency over time`));
    out(`6. Chart: latency over time written to ${svg}\n`);
    out(`Done in ${((performance.now() - started) / 1000).toFixed(1)} s. Next: npm start, then wahook bench --url http://127.0.0.1:3000/webhook --dev --burst 5000 --verify\n`);
    return verify.lost === 0 && verify.duplicated === 0 && s.ok === s.sent ? 0 : 1;
  } finally {
    await gw.stop();
  }
}
