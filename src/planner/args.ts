/**
 * `wahook cost` flag parsing. Every rejection names the flag, so a typo in a
 * long command line is found without reading the help text.
 */
import { GatewayError } from '../core/errors.js';
import type { CostArgs } from './types.js';

function bad(flag: string, problem: string): never {
  throw new GatewayError('WAHOOK_ERR_PLANNER_INPUT', `${flag} ${problem}`);
}

/** Plain decimals or exponent form; `_` and `,` allowed as digit separators (10_000_000). */
const NUMBER = /^[+]?(\d+\.?\d*|\.\d+)(e[+-]?\d+)?$/i;

interface NumberRule {
  key: keyof CostArgs;
  min: number;
  max?: number;
  /** Whether `min` itself is allowed. */
  minInclusive: boolean;
  integer?: boolean;
}

const NUMBER_FLAGS: Record<string, NumberRule> = {
  '--volume': { key: 'volume', min: 0, minInclusive: false },
  '--peak-rps': { key: 'peakRps', min: 0, minInclusive: false },
  // 900 s is Lambda's maximum timeout (gettingstarted-limits).
  '--duration-ms': { key: 'durationMs', min: 0, max: 900_000, minInclusive: false },
  // 128..10,240 MB in 1 MB steps (aws.amazon.com/lambda/pricing).
  '--memory-mb': { key: 'memoryMb', min: 128, max: 10_240, minInclusive: true, integer: true },
  '--provisioned-concurrency': { key: 'provisionedConcurrency', min: 0, minInclusive: true, integer: true },
  '--cold-start-rate': { key: 'coldStartRate', min: 0, max: 1, minInclusive: true },
  '--init-ms': { key: 'initMs', min: 0, max: 900_000, minInclusive: true },
  '--log-bytes': { key: 'logBytes', min: 0, minInclusive: true },
  '--payload-bytes': { key: 'payloadBytes', min: 0, minInclusive: false },
  '--cpu-ms': { key: 'cpuMsPerDelivery', min: 0, minInclusive: false },
  '--account-concurrency': { key: 'accountConcurrency', min: 1, minInclusive: true, integer: true },
  '--target-utilisation': { key: 'targetUtilisation', min: 0, max: 1, minInclusive: false },
  '--target-p99-ms': { key: 'targetP99Ms', min: 0, minInclusive: false },
  '--cores-per-instance': { key: 'coresPerInstance', min: 1, minInclusive: true, integer: true },
};

const CHOICE_FLAGS: Record<string, { key: keyof CostArgs; choices: readonly string[] }> = {
  '--arch': { key: 'arch', choices: ['x86_64', 'arm64'] },
  '--free-tier': { key: 'freeTier', choices: ['on', 'off'] },
  '--front-door': { key: 'frontDoor', choices: ['none', 'function-url', 'http-api', 'rest-api', 'alb'] },
  '--profile': { key: 'profile', choices: ['steady', 'campaign'] },
};

const FILE_FLAGS: Record<string, 'pricesFile' | 'svgFile' | 'htmlFile'> = {
  '--prices': 'pricesFile',
  '--svg': 'svgFile',
  '--html': 'htmlFile',
};

/** Every flag `wahook cost` accepts, for help text and error messages. */
export const COST_FLAGS: readonly string[] = ['--json', ...Object.keys(NUMBER_FLAGS), ...Object.keys(CHOICE_FLAGS), ...Object.keys(FILE_FLAGS)];

function parseNumber(flag: string, raw: string, rule: NumberRule): number {
  const text = raw.replace(/[_,]/g, '');
  if (!NUMBER.test(text)) bad(flag, `expects a number, got "${raw}"`);
  const n = Number(text);
  if (!Number.isFinite(n)) bad(flag, `expects a finite number, got "${raw}"`);
  if (rule.integer === true && !Number.isInteger(n)) bad(flag, `expects a whole number, got "${raw}"`);
  const belowMin = rule.minInclusive ? n < rule.min : n <= rule.min;
  if (belowMin) bad(flag, `must be ${rule.minInclusive ? 'at least' : 'greater than'} ${rule.min}, got "${raw}"`);
  if (rule.max !== undefined && n > rule.max) bad(flag, `must be at most ${rule.max}, got "${raw}"`);
  return n;
}

/**
 * Parses `wahook cost` flags (`--flag value` or `--flag=value`). Unknown flags,
 * missing values, non-numbers and out-of-range values throw
 * `WAHOOK_ERR_PLANNER_INPUT` naming the flag.
 * @example
 * parseCostArgs(['--volume', '10000000', '--arch=arm64', '--json']);
 * // { volume: 10000000, arch: 'arm64', json: true }
 */
export function parseCostArgs(argv: string[]): CostArgs {
  const args: CostArgs = { json: false };
  const out = args as unknown as Record<string, unknown>;
  for (let i = 0; i < argv.length; i++) {
    const token = argv[i] ?? '';
    if (!token.startsWith('--')) bad(token === '' ? '(empty argument)' : `"${token}"`, 'is not a flag; wahook cost takes only --flags');
    const eq = token.indexOf('=');
    const flag = eq === -1 ? token : token.slice(0, eq);
    if (flag === '--json') {
      if (eq !== -1) bad(flag, 'takes no value');
      args.json = true;
      continue;
    }
    const known = flag in NUMBER_FLAGS || flag in CHOICE_FLAGS || flag in FILE_FLAGS;
    if (!known) bad(flag, `is not a known flag; expected one of ${COST_FLAGS.join(', ')}`);
    let raw: string | undefined;
    if (eq !== -1) raw = token.slice(eq + 1);
    else {
      raw = argv[i + 1];
      i++;
    }
    if (raw === undefined || raw === '' || (eq === -1 && raw.startsWith('--'))) bad(flag, 'needs a value');
    const numberRule = NUMBER_FLAGS[flag];
    const choice = CHOICE_FLAGS[flag];
    const file = FILE_FLAGS[flag];
    if (numberRule) out[numberRule.key] = parseNumber(flag, raw, numberRule);
    else if (choice) {
      if (!choice.choices.includes(raw)) bad(flag, `must be one of ${choice.choices.join('|')}, got "${raw}"`);
      out[choice.key] = flag === '--free-tier' ? raw === 'on' : raw;
    } else if (file) args[file] = raw;
  }
  return args;
}
