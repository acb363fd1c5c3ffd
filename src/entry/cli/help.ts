/**
 * `wahook <command> --help` and `wahook help <command>`: each command's own
 * flags. The serve and cost texts are built from the tables their parsers
 * read (the config schema, the planner's flag table), so they cannot drift.
 */
import { SCHEMA } from '../../config/schema.js';
import { KEY_DOCS } from '../../config/schema-docs.js';
import { costFlagHelp } from '../../planner/index.js';

const CONFIG_FLAGS = '  --data-dir D    data directory (default ./.wahook)\n  --config F      JSON config file\n';

/** Flags longer than this put their text on the next line, so one long flag does not push every text to the right. */
const FLAG_COLUMN = 28;

function flagTable(rows: readonly [string, string][]): string {
  const width = Math.min(FLAG_COLUMN, Math.max(...rows.map(([flag]) => flag.length)) + 2);
  return rows.map(([flag, text]) => (flag.length + 2 > width ? `  ${flag}\n  ${' '.repeat(width)}${text}` : `  ${flag.padEnd(width)}${text}`)).join('\n');
}

function serveHelp(): string {
  const rows = SCHEMA.filter((s) => s.flag !== undefined).map((s): [string, string] => {
    const value = s.type === 'bool' ? `--${s.flag} | --no-${s.flag}` : `--${s.flag} <${s.type === 'int' ? 'n' : s.type}>`;
    const doc = KEY_DOCS[s.key] ?? '';
    const first = doc.split(/(?<=\.)\s/)[0] ?? doc;
    const fallback = s.default === undefined || (Array.isArray(s.default) && s.default.length === 0) ? '' : ` Default: ${String(s.default)}.`;
    return [value, `${first}${fallback}`];
  });
  return `Usage: wahook serve [flags]

Receives webhooks, stores each one before answering 200, and runs the event
worker, the dashboard and the metrics. Every config key also has an
environment variable (see docs/config.md).

${flagTable(rows)}
`;
}

function costHelp(): string {
  const rows = costFlagHelp().map((f): [string, string] => [f.flag, `${f.help}. Unit: ${f.unit}. Default: ${f.default}.`]);
  return `Usage: wahook cost [flags]

What the month costs on AWS Lambda and on dedicated servers, and where the
two break even. Without flags it prices the traffic the gateway measured;
a measured CPU figure replaces the benchmarked default only when there is
enough traffic behind it, and the report says which was used and why
(docs/cost-planner.md).

${flagTable(rows)}

Config flags (where the measurements are):
${CONFIG_FLAGS}`;
}

const TEXTS: Record<string, () => string> = {
  serve: serveHelp,
  cost: costHelp,
  deliveries: () => `Usage: wahook deliveries [--json] [--limit N]

Stored raw deliveries, newest first.

  --json       one JSON object per line
  --limit N    how many (default 100)
${CONFIG_FLAGS}`,
  migrate: () => `Usage: wahook migrate [--database-url URL] [--db-schema S]

Applies the numbered SQL migrations the configured database lacks (PostgreSQL).
Safe to run from several processes at once. \`serve\` refuses a schema that
is older (run this) or newer (upgrade wahook) than the one it knows.

  --database-url URL   PostgreSQL URL (or DATABASE_URL)
  --db-schema S        schema that holds the tables (default wahook)
`,
  stats: () => `Usage: wahook stats [--json]

Counters of the edge and the pipeline.

  --json    one line of JSON instead of indented JSON
${CONFIG_FLAGS}`,
  worker: () => `Usage: wahook worker [--queue URL]

The event worker alone, for a serve started with --no-worker.

  --queue URL    consume an SQS queue instead (sqs://… or https://sqs.…; the
                 hybrid: Lambda receives, this server processes). Messages are
                 long-polled, kept hidden while they are worked on, and deleted
                 once their events are committed.
${CONFIG_FLAGS}`,
  events: () => `Usage: wahook events [--kind K] [--type T] [--since ISO] [--tenant T] [--limit N]

Normalised events, as JSON lines.

  --kind K       message, status, field, session, unknown or media
  --type T       event type within the kind
  --since ISO    only events from this date or time on
  --tenant T     only this tenant
  --limit N      how many (default 1000)
${CONFIG_FLAGS}`,
  messages: () => `Usage: wahook messages [--limit N]

Messages with their current status and status history, as JSON lines.

  --limit N    how many (default 1000)
${CONFIG_FLAGS}`,
  media: () => `Usage: wahook media [--state S] [--tenant T] [--limit N]
       wahook media fetch <message-id> [--tenant T]

Media items as JSON lines, most recently updated first: messageId, state
(pending, ready or failed), mimeType, bytes, sha256 (of the stored, decrypted
bytes), location and error. An item is listed, pending, as soon as its
message is stored, before its download starts.
\`fetch\` queues one item's download again for the worker (a failed item's
dead letter goes back to its lane).

  --state S      pending, ready or failed
  --tenant T     only this tenant (fetch: the tenant, when two share an id)
  --limit N      how many (default 1000)
${CONFIG_FLAGS}`,
  dlq: () => `Usage: wahook dlq list|retry|purge [--seq N,M] [--limit N]

Dead letters: list them, retry them or purge them (all, or the --seq ones).

  --seq N,M    only these sequence numbers (retry, purge)
  --limit N    how many to list (default 1000)
${CONFIG_FLAGS}`,
  replay: () => `Usage: wahook replay [--since ISO] [--until ISO] [--tenant T]

Processes stored deliveries again; idempotent, so events are not doubled.

  --since ISO    from this date or time
  --until ISO    up to this date or time
  --tenant T     only this tenant
${CONFIG_FLAGS}`,
  config: () => `Usage: wahook config print

Prints the effective config, secrets redacted. Precedence: flags, then the
environment, then the --config file, then defaults.
${CONFIG_FLAGS}`,
  'build-lambda': () => `Usage: wahook build-lambda [--out D] [--handlers M] [--code-cache T] [--memory MB]

Bundles the two AWS Lambda functions with esbuild (minified, tree-shaken,
only what they import: no dev dependencies, no better-sqlite3) and writes
one zip per function, handler index.handler, then prints their sizes:
wahook-receive.zip (receiveHandler) and wahook-process.zip (sqsHandler).
deploy/lambda/template.yaml deploys them (see the README).

The receiving zip also carries V8's code cache of its code, made by running
it once here, so that a cold start loads compiled code instead of compiling.
V8 takes it only from the same Node version and architecture, run with the
same V8 flags: build on the runtime's Node (nodejs24.x on arm64 by default)
to get one; elsewhere none is made and the build says why.

  --out D          output directory (default dist/lambda)
  --handlers M     bundle this handlers module into the processing zip
  --code-cache T   lambda (default): for the Lambda runtime, under the V8 flags
                   its bootstrap sets for --memory; here: for a plain node on
                   this machine (benchmarks); off: none
  --memory MB      the receiving function's memory size (default 512, as in
                   the SAM template); the runtime's V8 flags depend on it
  --runtime R      the runtime to make the cache for (default nodejs24.x)
  --arch A         its architecture, arm64 or x86_64 (default arm64)
`,
  bench: () => `Usage: wahook bench --url <webhook url> [--rate N --duration S [--ramp] | --burst N] [flags]

Sends realistic, signed WhatsApp Cloud API traffic to a receiver (wahook or
any other, on loopback or a staging host): messages of every type, three
statuses per outbound message (some out of order), batched deliveries, and
and deliberate re-deliveries (duplicates). Requests are due on a schedule and
latency counts from when each was due, so a stalled receiver shows up as
latency (no coordinated omission). As Meta does, a request answered other
than 2xx, or not at all, is sent again after a back-off (--retries). Reports
p50, p90, p99, p99.9 and max (HDR histogram), the answers by status, the
retries sent and the requests never acknowledged; exits 1 when a request was
never answered 2xx, retries included, or --verify found a loss or a duplicate. Every request is built
and signed before the run starts (about 1 KB of memory each), so that the
generator spends its CPU on sending.

  --url U              where to POST (http:// or https://; e.g. http://127.0.0.1:3000/webhook)
  --insecure           https:// only: accept a certificate that does not verify (a self-signed staging host)
  --rate N             requests a second, open loop, for --duration S (default 10)
  --ramp               with --rate: grow from --ramp-from (default 0) to --rate over --duration
  --burst N            N requests within one second, then stop: a campaign going out
  --connections C      keep-alive connections (default 32)
  --duplicates R       share of deliveries sent twice, 0..1, half at once and half
                       later (default 0.05)
  --retries N          re-sends of a request answered other than 2xx or not at
                       all (default 3; 0: none)
  --retry-backoff-ms N wait before the first re-send, doubled before each next
                       one (default 100)
  --secret S           app secret to sign with (default: the tenant's from the config)
  --tenant T           tenant whose configured secret signs (default "default")
  --verify             afterwards, check in the configured store that every
                       acknowledged delivery produced its events exactly once;
                       prints lost and duplicated
  --verify-timeout S   how long --verify waits for the worker to catch up (default 60)
  --timeout-ms N       an answer slower than this counts as an error (default 30000)
  --seed N             traffic mix seed (default 1)
  --json               print one JSON object: sent, ok, errors, byStatus, p50Ms,
                       p90Ms, p99Ms, p999Ms, maxMs, retriesSent,
                       failedAfterRetries (and lost, duplicated)
  --svg F              write the chart of latency over time to F
  --dev                sign with the development secret kept in the data dir
  --data-dir D         the store --verify reads (default ./.wahook)
  --config F           JSON config file (secrets, engine, database URL)
`,
  demo: () => `Usage: wahook demo [--count N] [--svg F] [--connections C]

The first run: starts wahook serve on a temporary embedded store, fires a
campaign burst of N deliveries within one second at it, then shows what was
stored (events by kind, duplicates caught, statuses put in order), the p99
time to 200, the cost verdict Lambda against dedicated servers for this
burst every hour of a month, and writes the latency chart. The temporary
store is removed at the end; your config and data dir are not read.

  --count N          deliveries in the burst (default 5000)
  --svg F            where to write the chart (default: a file in the temp dir)
  --connections C    keep-alive connections (default 64)
`,
  sign: () => `Usage: wahook sign [--dev] [--tenant T] [--file F | --body JSON] [--post | --url URL]

Signs a body (or a sample message) with the tenant's app secret and prints
the X-Hub-Signature-256 header, or posts it. The secret is never printed.

  --dev          use the development secret kept in the data dir
  --tenant T     tenant whose secret signs (default "default")
  --file F       body from a file
  --body JSON    body given inline
  --post         post to this gateway's own /webhook
  --url URL      post to this URL
${CONFIG_FLAGS}`,
};

/** Every command that answers `--help` with its own text. */
export const COMMANDS: readonly string[] = Object.keys(TEXTS);

/**
 * A command's own help, or undefined for an unknown command.
 * @example
 * commandHelp('cost'); // 'Usage: wahook cost [flags]\n...'
 */
export function commandHelp(command: string): string | undefined {
  return TEXTS[command]?.();
}
