/**
 * `wahook cost`: what the measured (or planned) webhook traffic costs a month
 * on AWS Lambda and on dedicated servers, and where the two meet. Everything
 * here is pure; the caller supplies measurements, the default price list and
 * the file/stdout functions.
 */
import { GatewayError } from '../core/errors.js';
import { parseCostArgs } from './args.js';
import { loadPrices } from './prices.js';
import { plan } from './plan.js';
import { buildProfile } from './profile.js';
import { renderChartHtml, renderChartSvg } from './render-chart.js';
import { renderTable } from './render-table.js';
import type { BenchedDuration, MeasuredTraffic } from './types.js';

export { COST_FLAGS, costFlagHelp, parseCostArgs } from './args.js';
export { EVIDENCE } from './evidence.js';
export { findBreakEven, plan } from './plan.js';
export { loadPrices, tieredCost, toMonthlyUsd } from './prices.js';
export type { PriceBook, PriceRecord, PriceTier, ServerOffer } from './prices.js';
export { buildProfile, DEFAULTS, PEAK_TO_AVERAGE, SECONDS_PER_MONTH, withVolume } from './profile.js';
export { renderChartHtml, renderChartSvg } from './render-chart.js';
export { renderTable } from './render-table.js';
export type * from './types.js';

export interface CostIo {
  stdout(s: string): void;
  writeFile(path: string, data: string): void;
  readFile(path: string): string;
  /** The parsed default price list (prices/prices.json shipped with the package). */
  defaultPrices: unknown;
  /** wahook's measured Lambda duration, the default of --duration-ms when present. */
  benchedDuration?: BenchedDuration | null;
}

function readPrices(path: string, io: CostIo): unknown {
  let text: string;
  try {
    text = io.readFile(path);
  } catch (cause) {
    throw new GatewayError('WAHOOK_ERR_PLANNER_INPUT', `--prices ${path}: cannot be read`, { cause });
  }
  try {
    return JSON.parse(text) as unknown;
  } catch (cause) {
    throw new GatewayError('WAHOOK_ERR_PLANNER_INPUT', `--prices ${path}: is not valid JSON`, { cause });
  }
}

/**
 * The whole command: parse flags, build the month, price it, then print the
 * table (or the JSON report with --json) and write --svg / --html files.
 * @example
 * runCost(['--volume', '10000000', '--json'], null, {
 *   stdout: (s) => process.stdout.write(s),
 *   writeFile: (p, d) => writeFileSync(p, d),
 *   readFile: (p) => readFileSync(p, 'utf8'),
 *   defaultPrices: JSON.parse(readFileSync('prices/prices.json', 'utf8')),
 * });
 */
export function runCost(argv: string[], measured: MeasuredTraffic | null, io: CostIo): void {
  const args = parseCostArgs(argv);
  const profile = buildProfile(args, measured, io.benchedDuration ?? null);
  const prices = loadPrices(args.pricesFile === undefined ? io.defaultPrices : readPrices(args.pricesFile, io));
  const report = plan(profile, prices);
  io.stdout(args.json ? `${JSON.stringify(report, null, 2)}\n` : renderTable(report));
  if (args.svgFile !== undefined) io.writeFile(args.svgFile, renderChartSvg(report));
  if (args.htmlFile !== undefined) io.writeFile(args.htmlFile, renderChartHtml(report));
}
