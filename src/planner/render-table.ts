/**
 * The human-readable `wahook cost` output: both monthly totals, cost per
 * million messages, the break-even volume and the recommendation.
 */
import { count, rate, usd } from './format.js';
import type { CostReport } from './types.js';

const LABEL = 34;
const COLUMN = 26;

/** Pads to the column width, keeping at least two spaces after a long cell. */
function pad(text: string, width: number): string {
  return text.length + 2 > width ? `${text}  ` : text.padEnd(width);
}

function row(label: string, ...cells: string[]): string {
  const body = cells.map((c, i) => (i === cells.length - 1 ? c : pad(c, COLUMN))).join('');
  return `${pad(label, LABEL)}${body}`.trimEnd();
}

/**
 * Renders a report as a plain-text table (ends with a newline).
 * @example
 * process.stdout.write(renderTable(plan(profile, book)));
 */
export function renderTable(report: CostReport): string {
  const { inputs: p, lambda: l, dedicated: d, shared } = report;
  const b = l.breakdown;
  const c = l.concurrency;
  const lines = [
    `wahook cost: ${count(p.volume.value)} messages a month (${p.volume.source}), ${p.profile.value} profile, peak ${rate(p.peakRps.value)} rps (${p.peakRps.source})`,
    `Prices as of ${report.pricesAsOf}`,
    '',
    row('', 'Lambda', 'Dedicated'),
    row('Monthly total', usd(l.monthlyUsd), usd(d.monthlyUsd)),
    row('Cost per 1M messages', usd(report.costPerMillion.lambda), usd(report.costPerMillion.dedicated)),
    row('Setup', `${p.arch.value} ${p.memoryMb.value} MB ${p.durationMs.value} ms`, `${d.instances} x ${d.offer.provider} ${d.offer.name}`),
    '',
    'Lambda',
    row('  requests', usd(b.requests)),
    row('  compute (invocation duration)', usd(b.compute)),
    row('  INIT of cold starts', usd(b.init), `${(p.coldStartRate.value * 100).toFixed(2)}% x ${p.initMs.value} ms`),
    row(`  front door (${p.frontDoor.value})`, usd(b.frontDoor)),
    row('  SQS', usd(b.sqs)),
    row('  CloudWatch Logs', usd(b.logs), `${count(p.logBytes.value)} bytes per invocation`),
    row('  provisioned concurrency', usd(b.provisioned), `${p.provisionedConcurrency.value} environments`),
    row('  concurrency at peak', `${count(c.needed)} of ${count(c.accountLimit)}`, `${c.withinLimit ? 'within limit' : 'OVER LIMIT'}; ${c.secondsToScale} s to scale from idle`),
    '',
    'Dedicated',
    row('  instances', usd(d.breakdown.instances), `${d.instances} x ${usd(d.offer.price)} (${d.offer.cores} cores, ${d.offer.memoryGiB} GiB)`),
    row('  public IPv4', usd(d.breakdown.ipv4)),
    row('  disks', usd(d.breakdown.disks)),
    row('  load balancer', usd(d.breakdown.loadBalancer), d.loadBalancer.included ? d.loadBalancer.note : 'not needed'),
    row('  capacity per instance', `${count(d.capacityRpsPerInstance)} rps`, `at ${(p.utilisationCeiling.value * 100).toFixed(0)}% CPU, ${p.cpuMsPerDelivery.value} ms CPU per delivery`),
    ...d.alternatives.map((a) => row(`  alt: ${a.instances} x ${a.name}`, usd(a.monthlyUsd), a.provider)),
    '',
    row('Shared (in neither total)', usd(shared.monthlyUsd)),
    ...shared.items.map((i) => row(`  ${i.name}`, usd(i.monthlyUsd))),
    '',
    row('Break-even volume', report.breakEvenVolume === null ? 'none between 100k and 10B' : `${count(report.breakEvenVolume)} messages a month`),
    row('Recommendation', report.recommendation.choice === 'lambda' ? 'Lambda' : 'Dedicated'),
    ...report.recommendation.reasons.map((r) => `  - ${r}`),
  ];
  return `${lines.join('\n')}\n`;
}
