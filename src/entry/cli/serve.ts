import type { Logger } from 'pino';
import { GatewayError } from '../../core/errors.js';
import { assertServable, type Config } from '../../config/load.js';
import { createEngine } from '../../compose.js';
import { createGatewayServer, type ExtraHandler, type GatewayServer } from '../server.js';
import { dataDirWarning } from '../bootstrap.js';
import { armStopWatchdog, STOP_GRACE_MS } from '../stop-watchdog.js';
import type { Telemetry } from '../../ports/telemetry.js';

export interface ServeHooks {
  /** Extra services started beside the edge (worker, telemetry); stopped after the edge drains. */
  readonly start?: (config: Config, logger: Logger) => Promise<{ stop(): Promise<void> } | undefined>;
  readonly telemetry?: Telemetry;
  readonly extra?: ExtraHandler;
  /** Runs last, after the edge and the worker stopped. */
  readonly stop?: () => Promise<void>;
}

function announceDev(config: Config, port: number, err: (s: string) => void): void {
  if (!config.dev) return;
  const base = `http://127.0.0.1:${port}`;
  err(
    `\nwahook is running in development mode with generated secrets kept in ${config.dataDir}/dev-secrets.json.\n` +
      `  Send a signed test delivery:  npx wahook sign --dev --url ${base}/webhook\n` +
      `  Sign a body of your own:      npx wahook sign --dev --file body.json\n` +
      `  Then look inside:             npx wahook deliveries --json   |   npx wahook events --json   |   npx wahook stats --json\n` +
      (config.adminToken
        ? `  Dashboard (token from the file, never printed by wahook):\n` +
          `    ${base}/dashboard?token=$(node -p "require('${config.dataDir}/dev-secrets.json').adminToken")\n\n`
        : '\n'),
  );
}

/** `wahook serve`: runs until SIGTERM/SIGINT, then drains and exits 0; SIGHUP reloads the TLS files. */
export async function serveCommand(config: Config, logger: Logger, err: (s: string) => void, hooks: ServeHooks = {}): Promise<number> {
  // SIGHUP would end the process by default; here it means "read the certificate again". Until the server
  // exists there is nothing to reload: it reads the files when it starts.
  let gateway: GatewayServer | undefined;
  const reload = (): void => {
    if (gateway?.reloadTls() === false && config.tlsCert === undefined) logger.info('SIGHUP: nothing to reload (no tlsCert)');
  };
  process.on('SIGHUP', reload);
  // Taken from the start: a SIGTERM while the store opens or the worker starts would otherwise end the process
  // by default, without draining what was already accepted.
  let signalled: (signal: string) => void = () => undefined;
  const stopSignal = new Promise<string>((resolve) => (signalled = resolve));
  const onTerm = (): void => signalled('SIGTERM');
  const onInt = (): void => signalled('SIGINT');
  process.once('SIGTERM', onTerm);
  process.once('SIGINT', onInt);
  try {
    return await serveUntilStopped(config, logger, err, hooks, (g) => (gateway = g), stopSignal);
  } finally {
    process.off('SIGHUP', reload);
    process.off('SIGTERM', onTerm);
    process.off('SIGINT', onInt);
  }
}

async function serveUntilStopped(config: Config, logger: Logger, err: (s: string) => void, hooks: ServeHooks, started: (g: GatewayServer) => void, stopSignal: Promise<string>): Promise<number> {
  assertServable(config);
  if (config.insecureSkipSignature) logger.warn('signature verification is OFF (--insecure-skip-signature): never use this in production');
  const dirWarning = dataDirWarning(config.dataDir);
  if (dirWarning !== undefined) logger.warn({ dataDir: config.dataDir }, dirWarning);
  const store = await createEngine(config).openDeliveryStore({ onWarning: (m) => logger.warn(m) }).catch(async (e: unknown) => {
    // What was opened beside the edge (read stores, a queue's connections) would keep a refused start alive.
    await hooks.stop?.();
    throw e;
  });
  let gateway: GatewayServer;
  try {
    gateway = createGatewayServer({ config, store, logger, telemetry: hooks.telemetry, extra: hooks.extra });
  } catch (e) {
    // A certificate that does not load: the same clean exit as a port that cannot be had.
    await store.close();
    await hooks.stop?.();
    throw e;
  }
  let port: number;
  try {
    ({ port } = await gateway.listen());
  } catch (e) {
    // The writer thread would keep the process alive: close it so a failed start exits and can be restarted.
    await store.close();
    await hooks.stop?.();
    const err = e as NodeJS.ErrnoException;
    throw new GatewayError('WAHOOK_ERR_CONFIG_INVALID', `Invalid config key "port": cannot listen on ${config.host}:${config.port} (${err.code ?? err.message})`);
  }
  started(gateway);
  const extra = await hooks.start?.(config, logger);
  logger.info({ host: config.host, port, https: config.tlsCert !== undefined, dataDir: config.dataDir, tenants: Object.keys(config.tenants) }, 'wahook listening');
  announceDev(config, port, err);
  logger.info({ signal: await stopSignal }, 'draining');
  // Requests drain for up to shutdownTimeoutMs, then the worker's jobs for as long again.
  const disarm = armStopWatchdog(2 * config.shutdownTimeoutMs + STOP_GRACE_MS, logger);
  await gateway.shutdown();
  await extra?.stop();
  await hooks.stop?.();
  disarm();
  logger.info('stopped');
  logger.flush();
  return 0;
}
