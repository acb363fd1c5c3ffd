/**
 * `wahook cost` flag parsing. Every rejection names the flag, so a typo in a
 * long command line is found without reading the help text.
 */
import { GatewayError } from '../core/errors.js';
import { EVIDENCE } from './evidence.js';
import { DEFAULTS, PEAK_TO_AVERAGE } from './profile.js';
import type { CostArgs } from './types.js';

function bad(flag: string, problem: string): never {
  throw new GatewayError('WAHOOK_ERR_PLANNER_INPUT', `${flag} ${problem}`);
}

/** Plain decimals or exponent form; `_` and `,` allowed as digit separators (10_000_000). */
const NUMBER = /^[+]?(\d+\.?\d*|\.\d+)(e[+-]?\d+)?$/i;

/** What `wahook cost --help` says of a flag: the parser's own tables carry it, so the two cannot drift. */
interface FlagHelp {
  help: string;
  /** What the value is counted in, or what it names. */
  unit: string;
  /** What the planner uses when the flag is absent. */
  default: string;
}

interface NumberRule extends FlagHelp {
  key: keyof CostArgs;
  min: number;
  max?: number;
  /** Whether `min` itself is allowed. */
  minInclusive: boolean;
  integer?: boolean;
}

const D = DEFAULTS;
const MEASURED = `measured from ${EVIDENCE.minDeliveries.toLocaleString('en-US')} deliveries on, else`;

const NUMBER_FLAGS: Record<string, NumberRule> = {
  '--volume': { key: 'volume', min: 0, minInclusive: false, unit: 'messages a month', default: 'measured (required when nothing is measured)', help: 'Monthly volume to price; plans ahead of the measured traffic' },
  '--peak-rps': { key: 'peakRps', min: 0, minInclusive: false, unit: 'deliveries a second', default: 'measured, else the profile\'s peak/average x average', help: 'Busiest one-second rate the servers must hold' },
  // 900 s is Lambda's maximum timeout (gettingstarted-limits).
  '--duration-ms': { key: 'durationMs', min: 0, max: 900_000, minInclusive: false, unit: 'ms per invocation', default: `wahook's measured warm duration, else ${D.durationMs}`, help: 'Billed Lambda duration of one delivery' },
  // 128..10,240 MB in 1 MB steps (aws.amazon.com/lambda/pricing).
  '--memory-mb': { key: 'memoryMb', min: 128, max: 10_240, minInclusive: true, integer: true, unit: 'MB', default: String(D.memoryMb), help: 'Lambda memory size' },
  '--provisioned-concurrency': { key: 'provisionedConcurrency', min: 0, minInclusive: true, integer: true, unit: 'environments', default: '0', help: 'Lambda environments kept warm all month' },
  '--cold-start-rate': { key: 'coldStartRate', min: 0, max: 1, minInclusive: true, unit: 'share of invocations, 0..1', default: String(D.coldStartRate), help: 'Invocations that pay a billed INIT' },
  '--init-ms': { key: 'initMs', min: 0, max: 900_000, minInclusive: true, unit: 'ms per cold start', default: `wahook's measured cold start, else ${D.initMs}`, help: 'Billed INIT duration of a cold start' },
  '--log-bytes': { key: 'logBytes', min: 0, minInclusive: true, unit: 'bytes per invocation', default: `${MEASURED} ${D.logBytes}`, help: 'CloudWatch Logs a Lambda invocation writes' },
  '--payload-bytes': { key: 'payloadBytes', min: 0, minInclusive: false, unit: 'bytes per delivery', default: `${MEASURED} ${D.payloadBytes}`, help: 'Webhook body size (SQS chunks, load balancer bytes)' },
  '--cpu-ms': { key: 'cpuMsPerDelivery', min: 0, minInclusive: false, unit: 'CPU ms per delivery', default: `measured when there is enough traffic (see docs/cost-planner.md), else ${D.cpuMsPerDelivery}`, help: 'Marginal CPU a delivery costs a server; set it for a faster or slower host than the one measured' },
  '--idle-cpu-ms': { key: 'idleCpuMsPerMinute', min: 0, minInclusive: true, unit: 'CPU ms a minute per instance', default: `measured with --cpu-ms's figure, else ${D.idleCpuMsPerMinute}`, help: 'CPU an idle server spends (a Lambda does not pay it)' },
  '--account-concurrency': { key: 'accountConcurrency', min: 1, minInclusive: true, integer: true, unit: 'environments', default: String(D.accountConcurrency), help: 'Lambda concurrency limit of the account' },
  '--target-utilisation': { key: 'targetUtilisation', min: 0, max: 1, minInclusive: false, unit: 'share of CPU at the peak, 0..1', default: String(D.targetUtilisation), help: 'Highest CPU load a server is planned to run at' },
  '--target-p99-ms': { key: 'targetP99Ms', min: 0, minInclusive: false, unit: 'ms', default: 'none', help: 'Lowers the utilisation ceiling until queueing keeps p99 under it' },
  '--cores-per-instance': { key: 'coresPerInstance', min: 1, minInclusive: true, integer: true, unit: 'vCPUs', default: 'any', help: 'Only consider server offers with this many vCPUs' },
};

const CHOICE_FLAGS: Record<string, FlagHelp & { key: keyof CostArgs; choices: readonly string[] }> = {
  '--arch': { key: 'arch', choices: ['x86_64', 'arm64'], unit: 'x86_64|arm64', default: 'x86_64', help: 'Lambda architecture' },
  '--free-tier': { key: 'freeTier', choices: ['on', 'off'], unit: 'on|off', default: 'off', help: 'Subtract the Lambda always-free allowance' },
  '--front-door': { key: 'frontDoor', choices: ['none', 'function-url', 'http-api', 'rest-api', 'alb'], unit: 'none|function-url|http-api|rest-api|alb', default: 'function-url', help: 'What receives the webhook in front of the Lambda' },
  '--profile': { key: 'profile', choices: ['steady', 'campaign'], unit: 'steady|campaign', default: 'steady', help: `Traffic shape: peak = ${PEAK_TO_AVERAGE.steady} or ${PEAK_TO_AVERAGE.campaign} x average` },
};

const FILE_FLAGS: Record<string, FlagHelp & { key: 'pricesFile' | 'svgFile' | 'htmlFile' }> = {
  '--prices': { key: 'pricesFile', unit: 'file (JSON)', default: 'the shipped prices/prices.json', help: 'Price list to use instead' },
  '--svg': { key: 'svgFile', unit: 'file', default: 'none', help: 'Write the cost-vs-volume chart as SVG' },
  '--html': { key: 'htmlFile', unit: 'file', default: 'none', help: 'Write the chart and the table as a standalone HTML page' },
};

const JSON_FLAG: FlagHelp = { unit: 'switch, takes no value', default: 'off (prints the table)', help: 'Print the report as JSON' };

/** Every flag `wahook cost` accepts, for help text and error messages. */
export const COST_FLAGS: readonly string[] = ['--json', ...Object.keys(NUMBER_FLAGS), ...Object.keys(CHOICE_FLAGS), ...Object.keys(FILE_FLAGS)];

/**
 * One line of help per accepted flag, from the tables the parser reads.
 * @example
 * costFlagHelp().find((f) => f.flag === '--memory-mb')?.default; // '512'
 */
export function costFlagHelp(): ({ flag: string } & FlagHelp)[] {
  const pick = ({ help, unit, default: d }: FlagHelp): FlagHelp => ({ help, unit, default: d });
  return [
    { flag: '--json', ...JSON_FLAG },
    ...Object.entries({ ...NUMBER_FLAGS, ...CHOICE_FLAGS, ...FILE_FLAGS }).map(([flag, rule]) => ({ flag, ...pick(rule) })),
  ];
}

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
    } else if (file) args[file.key] = raw;
  }
  return args;
}
