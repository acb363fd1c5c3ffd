import { GatewayError } from '../../core/errors.js';
import { SCHEMA } from '../../config/schema.js';

export interface ParsedArgs {
  readonly positional: string[];
  readonly flags: Record<string, string | boolean>;
}

/** Flags that take no value. Config booleans also accept `--no-<flag>`. */
const BOOLEAN = new Set<string>([...SCHEMA.filter((s) => s.type === 'bool' && s.flag).map((s) => s.flag!), 'json', 'help', 'post', 'verify', 'ramp', 'insecure']);

/**
 * Minimal GNU-style parser: `--k v`, `--k=v`, `--bool`, `--no-bool`.
 * @example parseArgs(['serve', '--port', '0', '--dev']) // { positional: ['serve'], flags: { port: '0', dev: true } }
 */
export function parseArgs(argv: readonly string[], extraBooleans: readonly string[] = []): ParsedArgs {
  const booleans = new Set([...BOOLEAN, ...extraBooleans]);
  const positional: string[] = [];
  const flags: Record<string, string | boolean> = {};
  for (let i = 0; i < argv.length; i++) {
    const a = argv[i]!;
    if (!a.startsWith('--') || a === '--') { positional.push(a); continue; }
    const eq = a.indexOf('=');
    const name = eq === -1 ? a.slice(2) : a.slice(2, eq);
    if (eq !== -1) { flags[name] = a.slice(eq + 1); continue; }
    if (name.startsWith('no-') && booleans.has(name.slice(3))) { flags[name.slice(3)] = false; continue; }
    if (booleans.has(name)) { flags[name] = true; continue; }
    const next = argv[i + 1];
    if (next === undefined || next.startsWith('--')) throw new GatewayError('WAHOOK_ERR_CLI_USAGE', `Flag --${name} needs a value`);
    flags[name] = next;
    i++;
  }
  return { positional, flags };
}

export function intFlag(flags: ParsedArgs['flags'], name: string, fallback: number): number {
  const v = flags[name];
  if (v === undefined) return fallback;
  const n = typeof v === 'string' && /^\d+$/.test(v) ? Number(v) : NaN;
  if (!Number.isSafeInteger(n)) throw new GatewayError('WAHOOK_ERR_CLI_USAGE', `Flag --${name} expects a whole number`);
  return n;
}

export function timeFlag(flags: ParsedArgs['flags'], name: string): number | undefined {
  const v = flags[name];
  if (v === undefined) return undefined;
  const t = typeof v === 'string' ? Date.parse(v) : NaN;
  if (Number.isNaN(t)) throw new GatewayError('WAHOOK_ERR_CLI_USAGE', `Flag --${name} expects an ISO date or time`);
  return t;
}

export function stringFlag(flags: ParsedArgs['flags'], name: string): string | undefined {
  const v = flags[name];
  if (v === undefined) return undefined;
  if (typeof v !== 'string') throw new GatewayError('WAHOOK_ERR_CLI_USAGE', `Flag --${name} needs a value`);
  return v;
}
