import { GatewayError, isGatewayError } from '../../core/errors.js';
import { redactConfig } from '../../config/load.js';
import { bootstrapConfig } from '../bootstrap.js';
import { resolveSecretRefs } from '../secret-refs.js';
import { createLogger } from '../logger.js';
import { parseArgs } from './args.js';
import { deliveriesCommand } from './inspect.js';
import { signCommand } from './sign.js';
import { statsCommand } from './stats.js';
import { dlqCommand, eventsCommand, messagesCommand, replayCommand } from './pipeline.js';
import { workerCommand } from './worker.js';
import { migrateCommand } from './migrate.js';
import { mediaCommand } from './media.js';
import { costCommand } from './cost.js';
import { buildLambdaCommand } from './build-lambda.js';
import { benchCommand } from './bench.js';
import { demoCommand } from './demo.js';
import { commandHelp } from './help.js';
import { startServe } from '../serve-stack.js';
import { edgeOnly, edgeProcesses, isEdgeProcess, leaveCluster, startCluster } from '../cluster.js';

const USAGE = `wahook — a durable gateway for WhatsApp webhooks

Usage: wahook <command> [flags]

  serve [--dev] [--port N] [--data-dir D] [--config F] [--handlers M] [--forward-url U] [--no-worker]
  deliveries --json [--limit N]      stored raw deliveries, newest first
  stats --json                       counters of the edge and the pipeline
  migrate                            apply the database's SQL migrations (PostgreSQL)
  worker                             the event worker alone (run serve with --no-worker)
  events --json [--kind K] [--type T] [--since ISO] [--limit N]
  messages --json [--limit N]        messages with current status and status history
  dlq list|retry|purge [--seq N,M]   dead letters
  media --json [--state S]           media items: state, type, size, sha256, location, error
  media fetch <message-id>           queue one media item's download again
  replay [--since ISO] [--until ISO] [--tenant T]   process stored deliveries again (idempotent)
  cost [--volume N] [--peak-rps R] [--json] [--svg F] [--html F] ...   Lambda vs dedicated monthly cost
  config print                       effective config, secrets redacted
  sign [--dev] [--file F] [--post | --url URL]   sign a body (or a sample) and optionally POST it
  build-lambda [--out D] [--handlers M]   one deployable zip per AWS Lambda function, with sizes
  bench --url U [--rate N --duration S | --burst N] [--connections C] [--duplicates 0.05] [--verify] [--json] [--svg F]
                                     signed WhatsApp traffic at a receiver: latency percentiles, errors, losses
  demo [--count N] [--svg F]         a gateway on a temporary store, a 5,000-delivery burst, and what came of it

Config precedence: flags, then environment (PORT, WAHOOK_*), then --config/WAHOOK_CONFIG file, then defaults.
Each command's own flags: wahook <command> --help, or wahook help <command>.
`;

export interface Io {
  out(s: string): void;
  err(s: string): void;
  env: NodeJS.ProcessEnv;
  /** Whether `err` writes to a terminal (progress is then redrawn in place). */
  errIsTTY?: boolean;
}

/** Returns the process exit code; never throws for bad input. */
export async function main(argv: readonly string[], io: Io): Promise<number> {
  try {
    const args = parseArgs(argv);
    const [command, sub] = args.positional;
    // A command's own help before anything reads config, so it answers even where config is broken.
    const own = command === 'help' ? (sub === undefined ? undefined : commandHelp(sub)) : args.flags.help === true && command !== undefined ? commandHelp(command) : undefined;
    if (own !== undefined) {
      io.out(own);
      return 0;
    }
    if (command === undefined || args.flags.help === true || command === 'help') {
      io.out(USAGE);
      return command === undefined && args.flags.help !== true ? 2 : 0;
    }
    const progress = { write: io.err, isTTY: io.errIsTTY === true };
    // The demo makes its own config and store; the user's must not even be read.
    if (command === 'demo') return await demoCommand(args, io.out, progress);
    const config = bootstrapConfig(args.flags, await resolveSecretRefs(io.env), { createDevSecrets: command === 'serve' });
    switch (command) {
      case 'serve': {
        if (isEdgeProcess()) {
          const code = await startServe(edgeOnly(config), io.err);
          leaveCluster();
          return code;
        }
        const processes = edgeProcesses(config);
        return await (processes > 1 ? startCluster(config, processes) : startServe(config, io.err));
      }
      case 'cost':
        return await costCommand(argv.slice(1), config, io.out);
      case 'worker':
        return await workerCommand(config, createLogger(config.logLevel));
      case 'events':
        return await eventsCommand(args, config, io.out);
      case 'messages':
        return await messagesCommand(args, config, io.out);
      case 'dlq':
        return await dlqCommand(args, config, io.out);
      case 'media':
        return await mediaCommand(args, config, io.out);
      case 'replay':
        return await replayCommand(args, config, io.out);
      case 'deliveries':
        return await deliveriesCommand(args, config, io.out);
      case 'stats':
        return await statsCommand(args, config, io.out);
      case 'migrate':
        return await migrateCommand(config, io.out);
      case 'sign':
        return await signCommand(args, config, io.out);
      case 'bench':
        return await benchCommand(args, config, io.out, progress);
      case 'build-lambda':
        return await buildLambdaCommand(args, io.out);
      case 'config':
        if (sub !== 'print') throw new GatewayError('WAHOOK_ERR_CLI_USAGE', 'Usage: wahook config print');
        io.out(`${JSON.stringify(redactConfig(config), null, 2)}\n`);
        return 0;
      default:
        throw new GatewayError('WAHOOK_ERR_CLI_USAGE', `Unknown command "${command}"; run wahook --help`);
    }
  } catch (e) {
    if (isGatewayError(e)) {
      io.err(`wahook: ${e.code}: ${e.message}\n`);
      return e.code === 'WAHOOK_ERR_CLI_USAGE' ? 2 : 1;
    }
    io.err(`wahook: unexpected error: ${(e as Error).stack ?? String(e)}\n`);
    return 1;
  }
}
