import { writeFileSync } from 'node:fs';
import { createEngine } from '../../compose.js';
import type { Config } from '../../config/load.js';
import { GatewayError } from '../../core/errors.js';
import { acknowledgedEvents, runBench, type BenchRun } from '../../loadgen/bench.js';
import type { ProgressSink } from '../../loadgen/progress.js';
import { renderSummary, summarise, type BenchSummary } from '../../loadgen/report.js';
import { burst, constantRate, ramp, type Schedule } from '../../loadgen/schedule.js';
import { renderLatencySvg } from '../../loadgen/svg-chart.js';
import { verifyEvents, type VerifyResult } from '../../loadgen/verify.js';
import { intFlag, stringFlag, type ParsedArgs } from './args.js';

function numberFlag(flags: ParsedArgs['flags'], name: string, fallback: number, min: number, max = Infinity): number {
  const v = flags[name];
  if (v === undefined) return fallback;
  const n = typeof v === 'string' && /^\d+(\.\d+)?$/.test(v) ? Number(v) : NaN;
  if (!(n >= min && n <= max)) throw new GatewayError('WAHOOK_ERR_CLI_USAGE', `Flag --${name} expects a number from ${min}${max === Infinity ? ' up' : ` to ${max}`}`);
  return n;
}

/** A whole number of at least 1. */
export function countFlag(flags: ParsedArgs['flags'], name: string, fallback: number): number {
  const n = intFlag(flags, name, fallback);
  if (n < 1) throw new GatewayError('WAHOOK_ERR_CLI_USAGE', `Flag --${name} expects a whole number of at least 1`);
  return n;
}

/** `--rate N --duration S [--ramp]` or `--burst N`. */
export function scheduleFromFlags(flags: ParsedArgs['flags']): Schedule {
  const hasRate = flags.rate !== undefined;
  const hasBurst = flags.burst !== undefined;
  if (hasRate === hasBurst) throw new GatewayError('WAHOOK_ERR_CLI_USAGE', 'wahook bench needs either --rate N (with --duration S) or --burst N');
  if (hasBurst) {
    if (flags.duration !== undefined || flags.ramp !== undefined) throw new GatewayError('WAHOOK_ERR_CLI_USAGE', '--burst sends its deliveries within one second: it takes no --duration or --ramp');
    return burst(countFlag(flags, 'burst', 1));
  }
  const rate = numberFlag(flags, 'rate', 0, 0.1);
  const seconds = numberFlag(flags, 'duration', 10, 0.1);
  return flags.ramp === true ? ramp(numberFlag(flags, 'ramp-from', 0, 0), rate, seconds) : constantRate(rate, seconds);
}

function secretFor(args: ParsedArgs, config: Config): string {
  const given = stringFlag(args.flags, 'secret');
  if (given !== undefined) return given;
  const tenant = stringFlag(args.flags, 'tenant') ?? 'default';
  const secret = config.tenants[tenant]?.appSecrets[0];
  if (secret === undefined) throw new GatewayError('WAHOOK_ERR_CLI_USAGE', `No app secret to sign with for tenant "${tenant}": pass --secret, --dev, or set WAHOOK_APP_SECRET`);
  return secret;
}

/** Reads the configured store through the engine's ports and checks the run's acknowledged deliveries. */
export async function verifyRun(b: BenchRun, config: Config, timeoutMs: number): Promise<VerifyResult> {
  const engine = createEngine(config);
  const log = await engine.openDeliveryLog();
  const query = await engine.openEventQuery();
  try {
    return await verifyEvents({ log, query, expected: acknowledgedEvents(b), tag: b.tag, sinceMs: (b.nowSec - 1) * 1000, timeoutMs });
  } finally {
    await query.close();
    await log.close();
  }
}

export function latencyChart(b: BenchRun, s: BenchSummary, title: string): string {
  return renderLatencySvg({ title, dueMs: b.run.dueMs, latencyMs: b.run.latencyMs, status: b.run.status, sent: b.run.planned, p50Ms: s.p50Ms, p99Ms: s.p99Ms });
}

/** `wahook bench --url U [--rate N --duration S | --burst N] ...`: signed WhatsApp traffic at a receiver, and what came of it. */
export async function benchCommand(args: ParsedArgs, config: Config, out: (s: string) => void, progress: ProgressSink): Promise<number> {
  const url = stringFlag(args.flags, 'url');
  if (url === undefined) throw new GatewayError('WAHOOK_ERR_CLI_USAGE', 'wahook bench needs --url <webhook url>, e.g. --url http://127.0.0.1:3000/webhook');
  const schedule = scheduleFromFlags(args.flags);
  const b = await runBench({
    url,
    secret: secretFor(args, config),
    schedule,
    connections: countFlag(args.flags, 'connections', 32),
    duplicateRate: numberFlag(args.flags, 'duplicates', 0.05, 0, 1),
    timeoutMs: intFlag(args.flags, 'timeout-ms', 30_000),
    retries: intFlag(args.flags, 'retries', 3),
    retryBackoffMs: intFlag(args.flags, 'retry-backoff-ms', 100),
    insecure: args.flags.insecure === true,
    seed: intFlag(args.flags, 'seed', 1),
    progress,
  });
  const verify = args.flags.verify === true ? await verifyRun(b, config, numberFlag(args.flags, 'verify-timeout', 60, 0) * 1000) : undefined;
  const summary = summarise(b.run, b.traffic, verify);
  const svg = stringFlag(args.flags, 'svg');
  if (svg !== undefined) writeFileSync(svg, latencyChart(b, summary, `wahook bench: ${summary.sent} requests to ${url}`));
  out(args.flags.json === true ? `${JSON.stringify(summary)}\n` : renderSummary(summary));
  const failed = summary.failedAfterRetries > 0 || (verify !== undefined && (verify.lost > 0 || verify.duplicated > 0));
  return failed ? 1 : 0;
}
