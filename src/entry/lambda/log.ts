/**
 * One JSON line per noteworthy thing, for CloudWatch Logs. A Lambda pays for
 * every byte it logs, so only refusals and failures are logged; the
 * platform's own REPORT line already carries duration and memory.
 */
export function logLine(level: 'warn' | 'error', msg: string, fields: Record<string, unknown> = {}): void {
  process.stdout.write(`${JSON.stringify({ level, msg, ...fields })}\n`);
}
