/**
 * The human-readable `wahook cost` output: what was measured and which of it
 * was used, both monthly totals with their ranges, cost per million
 * messages, the break-even volume and the recommendation.
 */
import { count, rate, shortCount, span, usd } from './format.js';
import type { CostReport, Sourced, TrafficProfile } from './types.js';

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

const ms = (x: number): string => String(Number(x.toPrecision(3)));
const sourced = (v: Sourced<number>, unit: string): string =>
  `${ms(v.value)} ${unit} (${v.source}${v.range ? `, 95% ${ms(v.range[0])} to ${ms(v.range[1])}` : ''})`;

/** What was measured and which of it was used: the reader sees why a figure is a default. */
function measuredLines(p: TrafficProfile): string[] {
  const m = p.measurement;
  if (m === null) return [row('Measured', 'nothing yet: every input is a flag or a default')];
  const window = `${span(m.windowMinutes)}, ${count(m.deliveries)} ${m.deliveries === 1 ? 'delivery' : 'deliveries'} in ${count(m.busyMinutes)} busy ${m.busyMinutes === 1 ? 'minute' : 'minutes'}`;
  return [
    row('Measured', window),
    ...(m.extrapolated && p.volume.source === 'measured' ? ['  under a day of data: the monthly volume is an extrapolation (--volume plans one)'] : []),
    row('  CPU per delivery', sourced(p.cpuMsPerDelivery, 'ms')),
    `    ${m.cpu.used ? 'measured: ' : 'not measured: '}${m.cpu.reason}`,
    row('  idle CPU baseline', sourced(p.idleCpuMsPerMinute, 'ms a minute')),
    row('  payload and log bytes', m.perDelivery.used ? 'measured' : 'defaults', m.perDelivery.reason),
  ];
}

function rangeRow(report: CostReport): string[] {
  const u = report.uncertainty;
  if (u === null) return [];
  return [row('  95% range', `${usd(u.lambda[0])} to ${usd(u.lambda[1])}`, `${usd(u.dedicated[0])} to ${usd(u.dedicated[1])}`)];
}

function breakEvenText(report: CostReport): string {
  const be = report.breakEvenVolume;
  const point = be === null ? 'none between 100k and 10B' : `${count(be)} messages a month`;
  const u = report.uncertainty;
  const [lo, hi] = u === null ? ['', ''] : u.breakEven.map(shortCount);
  return lo === hi ? point : `${point} (95%: ${lo} to ${hi})`;
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
  const volumeSource = p.measurement?.extrapolated === true && p.volume.source === 'measured' ? 'extrapolated' : p.volume.source;
  const choice = report.recommendation.choice === 'lambda' ? 'Lambda' : 'Dedicated';
  const lines = [
    `wahook cost: ${count(p.volume.value)} messages a month (${volumeSource}), ${p.profile.value} profile, peak ${rate(p.peakRps.value)} rps (${p.peakRps.source})`,
    `Prices as of ${report.pricesAsOf}`,
    '',
    ...measuredLines(p),
    '',
    row('', 'Lambda', 'Dedicated'),
    row('Monthly total', usd(l.monthlyUsd), usd(d.monthlyUsd)),
    ...rangeRow(report),
    row('Cost per 1M messages', usd(report.costPerMillion.lambda), usd(report.costPerMillion.dedicated)),
    ...(report.quotedDuration ? [row(`  Lambda at the quoted ${report.quotedDuration.durationMs} ms`, usd(report.quotedDuration.monthlyUsd), `${usd(report.quotedDuration.costPerMillion)} per 1M; priced above at ${ms(p.durationMs.value)} ms (${p.durationMs.source})`)] : []),
    row('Setup', `${p.arch.value} ${p.memoryMb.value} MB ${p.durationMs.value} ms`, `${d.instances} x ${d.offer.provider} ${d.offer.name}`),
    '',
    'Lambda',
    row('  requests', usd(b.requests)),
    row('  compute (invocation duration)', usd(b.compute)),
    row('  INIT of cold starts', usd(b.init), `${(p.coldStartRate.value * 100).toFixed(2)}% x ${ms(p.initMs.value)} ms (${p.initMs.source})`),
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
    row('  capacity per instance', `${count(d.capacityRpsPerInstance)} rps`, `at ${(p.utilisationCeiling.value * 100).toFixed(0)}% CPU, ${ms(p.cpuMsPerDelivery.value)} ms CPU per delivery (${p.cpuMsPerDelivery.source}), idle ${ms(p.idleCpuMsPerMinute.value)} ms a minute, speed x${d.speedFactor}`),
    ...d.alternatives.map((a) => row(`  alt: ${a.instances} x ${a.name}`, usd(a.monthlyUsd), a.provider)),
    '',
    row('Shared (in neither total)', usd(shared.monthlyUsd)),
    ...shared.items.map((i) => row(`  ${i.name}`, usd(i.monthlyUsd))),
    '',
    row('Break-even volume', breakEvenText(report)),
    row('Recommendation', report.recommendation.tooClose ? `too close to call (${choice} at the central figures)` : choice),
    ...report.recommendation.reasons.map((r) => `  - ${r}`),
  ];
  return `${lines.join('\n')}\n`;
}
