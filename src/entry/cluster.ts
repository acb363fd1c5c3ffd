import cluster, { type Worker } from 'node:cluster';
import { availableParallelism } from 'node:os';
import type { Logger } from 'pino';
import { assertServable, type Config } from '../config/load.js';
import { GatewayError } from '../core/errors.js';
import { isLoopbackHost } from '../core/loopback.js';
import { createEngine } from '../compose.js';
import { startGatewayTelemetry } from './cluster-telemetry.js';
import { observeWorker, runWorker } from './run-worker.js';
import { loadTlsFiles } from './tls.js';

/**
 * How many receiving processes `serve` runs. On PostgreSQL every core takes
 * webhooks by default, unless the server is on this machine (a loopback
 * host or a local socket): then half of them, since PostgreSQL needs the
 * other half, and an extra process there only splits the load into smaller
 * batches that cost the server a transaction each. The embedded SQLite
 * keeps one, because its deliveries file has a single writer and its
 * dedupe index belongs to it.
 */
export function edgeProcesses(config: Config, cores = availableParallelism()): number {
  if (config.processes === 0) {
    if (config.engine === 'sqlite') return 1;
    return databaseIsLocal(config.databaseUrl) ? Math.max(1, Math.floor(cores / 2)) : cores;
  }
  if (config.processes > 1 && config.engine === 'sqlite') {
    throw new GatewayError('WAHOOK_ERR_CONFIG_INVALID', 'Invalid config key "processes": the embedded SQLite store takes one receiving process; use PostgreSQL (--database-url) for more');
  }
  return config.processes;
}

/** Whether the PostgreSQL server shares this machine: a loopback host, a local socket, or no host at all. */
export function databaseIsLocal(url: string | undefined): boolean {
  if (url === undefined) return false;
  let host: string;
  try {
    const u = new URL(url);
    host = decodeURIComponent(u.hostname) || (u.searchParams.get('host') ?? '');
  } catch {
    return false;
  }
  return host === '' || host.startsWith('/') || isLoopbackHost(host);
}

/** In a receiving process of the cluster: the edge alone; the primary runs the worker. */
export function isEdgeProcess(): boolean {
  return cluster.isWorker;
}

/**
 * Once a receiving process has drained, it leaves the cluster: the channel
 * to the primary is the last handle keeping it alive, and the primary would
 * otherwise wait out the shutdown timeout and kill it.
 */
export function leaveCluster(): void {
  if (cluster.isWorker && cluster.worker?.isConnected()) cluster.worker.disconnect();
}

export function edgeOnly(config: Config): Config {
  return { ...config, worker: { ...config.worker, enabled: false } };
}

/** Resolves with what stops the cluster: a signal, or the reason given to `stop`. */
function stopTrigger(): { stopped: Promise<string>; stop(reason: string): void } {
  let stop: (reason: string) => void = () => {};
  const stopped = new Promise<string>((resolve) => {
    stop = resolve;
    process.once('SIGTERM', () => resolve('SIGTERM'));
    process.once('SIGINT', () => resolve('SIGINT'));
  });
  return { stopped, stop };
}

async function stopAll(children: ReadonlySet<Worker>, graceMs: number, logger: Logger): Promise<void> {
  const exits = [...children].map((w) => new Promise<void>((r) => (w.isDead() ? r() : w.once('exit', () => r()))));
  for (const w of children) w.process.kill('SIGTERM');
  const timer = setTimeout(() => {
    logger.warn('edge processes still draining after the shutdown timeout; killing them');
    for (const w of children) w.process.kill('SIGKILL');
  }, graceMs).unref();
  await Promise.all(exits);
  clearTimeout(timer);
}

/**
 * `serve --processes N`: N receiving processes share the port (node:cluster),
 * and this process runs the pipeline worker. A process that dies is started
 * again after a second; SIGTERM drains them all, then stops the worker.
 * SIGHUP goes on to every receiving process, which reloads its TLS files.
 * This process also merges the receiving processes' telemetry: whichever of
 * them answers /metrics or the dashboard shows the whole gateway, and the
 * minute rollups (traffic, and the CPU of every process) are saved here, once.
 */
export async function startCluster(config: Config, processes: number): Promise<number> {
  // Each receiving process reloads its own certificate; the primary only passes the signal on (and must not die of
  // it). One still starting may have read the old files and not yet catch the signal: it gets it once it listens.
  const children = new Set<Worker>();
  const listening = new Set<Worker>();
  const owed = new Set<Worker>();
  const forwardHup = (): void => {
    for (const w of children) if (listening.has(w)) w.process.kill('SIGHUP'); else owed.add(w);
  };
  process.on('SIGHUP', forwardHup);
  assertServable(config);
  // A certificate that does not load is one clear error here, not a child that fails to start.
  loadTlsFiles(config);
  // A store the edge cannot open (an old schema, no database) fails here once, not in every child in turn.
  await (await createEngine(config).openDeliveryLog()).close();
  const { hub: measured, logger, close: closeTelemetry } = await startGatewayTelemetry(config);
  cluster.setupPrimary({ exec: process.argv[1], args: process.argv.slice(2) });
  const trigger = stopTrigger();
  let stopping = false;
  let failedToStart: number | null = null;
  const fork = (): Promise<void> =>
    new Promise((resolve) => {
      const w = cluster.fork();
      children.add(w);
      w.once('listening', () => {
        listening.add(w);
        if (owed.delete(w)) w.process.kill('SIGHUP');
        resolve();
      });
      w.once('exit', (code, signal) => {
        children.delete(w);
        owed.delete(w);
        const listened = listening.delete(w);
        resolve();
        if (stopping) return;
        // One that ended by itself before it listened will not do better the next time: stop rather than loop.
        // One killed by a signal while it started (an operator, the OOM killer) failed at nothing: it is replaced.
        if (!listened && signal === null) {
          failedToStart = code || 1;
          stopping = true;
          logger.error({ pid: w.process.pid, code }, 'edge process exited before it listened; stopping the cluster');
          trigger.stop('a receiving process failed to start');
          return;
        }
        logger.error({ pid: w.process.pid, code, signal, listened }, 'edge process exited; starting another in 1 s');
        setTimeout(() => void (stopping ? undefined : fork()), 1000).unref();
      });
    });
  await Promise.all(Array.from({ length: processes }, fork));
  if (failedToStart !== null) {
    process.off('SIGHUP', forwardHup);
    await stopAll(children, config.shutdownTimeoutMs + 5000, logger);
    await closeTelemetry();
    logger.flush();
    return failedToStart;
  }
  const worker = config.worker.enabled ? await runWorker(config, logger, observeWorker((m) => measured.worker(m))) : undefined;
  logger.info({ processes, port: config.port, worker: config.worker.enabled }, 'wahook cluster running');
  logger.info({ because: await trigger.stopped }, 'draining the edge processes');
  stopping = true;
  await stopAll(children, config.shutdownTimeoutMs + 5000, logger);
  process.off('SIGHUP', forwardHup);
  await worker?.stop();
  await closeTelemetry();
  logger.info('stopped');
  logger.flush();
  return failedToStart ?? 0;
}
