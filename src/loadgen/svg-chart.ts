import { escapeXml } from '../planner/format.js';

/**
 * The latency-over-time chart of a bench run, as a standalone SVG: for each
 * slice of the run, the range of latencies from fastest to slowest, failed
 * requests as red ticks, and the run's p50 and p99 as lines.
 */

export interface ChartInput {
  readonly title: string;
  /** Per request: when it was due (ms from the start), its latency (ms) and status (0: no answer). */
  readonly dueMs: Float64Array;
  readonly latencyMs: Float64Array;
  readonly status: Uint16Array;
  readonly sent: number;
  readonly p50Ms: number;
  readonly p99Ms: number;
}

const W = 900;
const H = 420;
const PAD = { left: 64, right: 20, top: 40, bottom: 48 };
const SLICES = 300;

const fix = (n: number): string => n.toFixed(1);

/** A round step that gives about five ticks up to `max`. */
function tickStep(max: number): number {
  const raw = max / 5;
  const mag = 10 ** Math.floor(Math.log10(raw));
  return [1, 2, 5, 10].map((m) => m * mag).find((s) => s >= raw) ?? raw;
}

export function renderLatencySvg(c: ChartInput): string {
  const n = c.sent;
  let endMs = 1;
  let maxLat = 1;
  for (let i = 0; i < n; i++) {
    endMs = Math.max(endMs, c.dueMs[i]!);
    maxLat = Math.max(maxLat, c.latencyMs[i]!);
  }
  // The last request's slice needs room of its own.
  endMs *= 1 + 1 / SLICES;
  const x = (ms: number): number => PAD.left + (ms / endMs) * (W - PAD.left - PAD.right);
  const y = (ms: number): number => H - PAD.bottom - (ms / maxLat) * (H - PAD.top - PAD.bottom);
  const lo = new Float64Array(SLICES).fill(Infinity);
  const hi = new Float64Array(SLICES).fill(-1);
  const failedAt = new Set<number>();
  for (let i = 0; i < n; i++) {
    const s = Math.min(SLICES - 1, Math.floor((c.dueMs[i]! / endMs) * SLICES));
    if (c.status[i]! < 200 || c.status[i]! >= 300) failedAt.add(s);
    lo[s] = Math.min(lo[s]!, c.latencyMs[i]!);
    hi[s] = Math.max(hi[s]!, c.latencyMs[i]!);
  }
  const parts: string[] = [];
  for (let s = 0; s < SLICES; s++) {
    if (hi[s]! < 0) continue;
    const sx = fix(x(((s + 0.5) * endMs) / SLICES));
    parts.push(`<line x1="${sx}" y1="${fix(y(lo[s]!))}" x2="${sx}" y2="${fix(y(hi[s]!))}" stroke="#3b82f6" stroke-width="2"/>`);
    if (failedAt.has(s)) parts.push(`<line x1="${sx}" y1="${PAD.top}" x2="${sx}" y2="${PAD.top + 8}" stroke="#dc2626" stroke-width="2"/>`);
  }
  const ticks: string[] = [];
  const ys = tickStep(maxLat);
  for (let v = 0; v <= maxLat; v += ys) ticks.push(`<text x="${PAD.left - 6}" y="${fix(y(v) + 4)}" text-anchor="end">${Number(v.toPrecision(3))}</text>`);
  const xs = tickStep(endMs / 1000);
  for (let v = 0; v <= endMs / 1000; v += xs) ticks.push(`<text x="${fix(x(v * 1000))}" y="${H - PAD.bottom + 18}" text-anchor="middle">${Number(v.toPrecision(3))}</text>`);
  const line = (ms: number, label: string, colour: string): string =>
    `<line x1="${PAD.left}" y1="${fix(y(ms))}" x2="${W - PAD.right}" y2="${fix(y(ms))}" stroke="${colour}" stroke-dasharray="4 3"/><text x="${W - PAD.right}" y="${fix(y(ms) - 4)}" text-anchor="end" fill="${colour}">${label} ${Number(ms.toPrecision(3))} ms</text>`;
  return [
    `<svg xmlns="http://www.w3.org/2000/svg" width="${W}" height="${H}" viewBox="0 0 ${W} ${H}" font-family="sans-serif" font-size="12">`,
    `<rect width="${W}" height="${H}" fill="#ffffff"/>`,
    `<text x="${PAD.left}" y="22" font-size="15">${escapeXml(c.title)}</text>`,
    `<line x1="${PAD.left}" y1="${H - PAD.bottom}" x2="${W - PAD.right}" y2="${H - PAD.bottom}" stroke="#444"/>`,
    `<line x1="${PAD.left}" y1="${PAD.top}" x2="${PAD.left}" y2="${H - PAD.bottom}" stroke="#444"/>`,
    ...ticks,
    `<text x="${(W + PAD.left) / 2}" y="${H - 10}" text-anchor="middle">seconds since the start (intended send time)</text>`,
    `<text x="16" y="${H / 2}" transform="rotate(-90 16 ${H / 2})" text-anchor="middle">latency, ms</text>`,
    ...parts,
    line(c.p50Ms, 'p50', '#16a34a'),
    line(c.p99Ms, 'p99', '#ea580c'),
    '</svg>',
    '',
  ].join('\n');
}
