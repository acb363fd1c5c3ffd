/**
 * The cluster IPC behind one view of `serve --processes N`. About once a
 * second every receiving process sends the primary a report (EdgeReport),
 * and the primary sends every receiving process the merged figures
 * (GatewayView). Both run on timers; only a `/metrics` scrape waits, for
 * one round trip that asks the primary for the figures as they stand.
 */
import cluster, { type Worker } from 'node:cluster';
import type { Logger } from 'pino';
import type { Config } from '../config/load.js';
import { createEngine } from '../compose.js';
import { GatewayError } from '../core/errors.js';
import { EdgeReporter, isEdgeReport, REPORT_INTERVAL_MS } from '../telemetry/edge-report.js';
import { GatewayTelemetry, isGatewayView, isViewAnswer, isViewRequest, type GatewayView, type ViewAnswer, type ViewRequest } from '../telemetry/gateway-view.js';
import { TelemetryHub } from '../telemetry/hub.js';
import { MergedTelemetry } from '../telemetry/merged-source.js';
import { rollupSaver } from '../telemetry/rollup-saver.js';
import { createLogger } from './logger.js';

/** How long a scrape waits for the primary's figures before it is refused; well inside Prometheus' default scrape timeout (10 s). */
const VIEW_ANSWER_TIMEOUT_MS = 5000;
/** How long the primary answers scrapes with one merged view. */
const VIEW_REUSE_MS = 100;

/** In a receiving process: reports to the primary, and answers with what the primary merged. */
export function joinGatewayTelemetry(hub: TelemetryHub): { source: MergedTelemetry; leave(): Promise<void> } {
  const asked = new Map<number, (view: GatewayView | null) => void>();
  let nextId = 0;
  const ask = (): Promise<GatewayView | null> => new Promise((resolve, reject) => {
    // No primary to ask (it is gone, the gateway is stopping): the view last sent is all there is.
    if (!process.connected) return resolve(null);
    const id = nextId++;
    const timer = setTimeout(() => {
      asked.delete(id);
      reject(new GatewayError('WAHOOK_ERR_METRICS_UNAVAILABLE'));
    }, VIEW_ANSWER_TIMEOUT_MS);
    const settle = (view: GatewayView | null): void => {
      clearTimeout(timer);
      asked.delete(id);
      resolve(view);
    };
    asked.set(id, settle);
    const request: ViewRequest = { t: 'wahook:view-request', id };
    process.send!(request, undefined, undefined, (e: Error | null) => {
      if (e) settle(null);
    });
  });
  const source = new MergedTelemetry(hub, ask);
  const reporter = new EdgeReporter(hub);
  const send = async (final: boolean): Promise<void> => {
    const report = await reporter.report(Date.now(), final);
    if (!process.connected) return;
    await new Promise<void>((resolve) => process.send!(report, undefined, undefined, () => resolve()));
  };
  let sending: Promise<void> = Promise.resolve();
  const timer = setInterval(() => {
    sending = sending.then(() => send(false)).catch(() => {});
  }, REPORT_INTERVAL_MS);
  timer.unref();
  const onMessage = (m: unknown): void => {
    if (isGatewayView(m)) source.accept(m);
    else if (isViewAnswer(m)) asked.get(m.id)?.(m.view);
  };
  process.on('message', onMessage);
  return {
    source,
    leave: async () => {
      clearInterval(timer);
      process.off('message', onMessage);
      for (const settle of [...asked.values()]) settle(null);
      await sending;
      await send(true).catch(() => {});
    },
  };
}

/**
 * The primary's telemetry: its own hub (the worker's figures, its CPU and
 * logs, through the logger it returns) merging the receiving processes'
 * reports, and the minute rollups of the whole gateway saved from here.
 */
export async function startGatewayTelemetry(config: Config): Promise<{ hub: TelemetryHub; logger: Logger; close(): Promise<void> }> {
  let hub: TelemetryHub | undefined;
  const logger = createLogger(config.logLevel, undefined, (bytes) => hub?.logged(bytes));
  const store = await createEngine(config).openTelemetryStore();
  const rollups = rollupSaver(store, config.telemetryRetentionDays, (e) => logger.warn({ err: e }, 'telemetry rollup not saved'));
  // A minute closes once the receiving processes have reported its last seconds.
  const measured = new TelemetryHub(rollups.save, { closeLagMs: 2 * REPORT_INTERVAL_MS });
  hub = measured;
  const merging = mergeGatewayTelemetry(measured, logger);
  measured.start();
  return {
    hub: measured,
    logger,
    close: async () => {
      merging.stop();
      measured.flush();
      await rollups.settled();
      await store.close();
    },
  };
}

type Recipient = Pick<Worker, 'isConnected' | 'send'> | undefined;

/**
 * Sends every connected process the message. A process killed since
 * isConnected() answered breaks the pipe: the callback takes that error,
 * which Node would otherwise emit as an 'error' event and crash the primary.
 */
export function broadcast(workers: readonly Recipient[], message: unknown): void {
  for (const w of workers) if (w?.isConnected()) w.send(message as never, undefined, undefined, () => undefined);
}

/** In the primary: takes the receiving processes' reports and sends each of them the whole gateway's view. */
function mergeGatewayTelemetry(hub: TelemetryHub, logger: Logger): { stop(): void } {
  const gateway = new GatewayTelemetry(hub);
  // The rounds, the scrapes and a new process share one merge: it is made at most once per VIEW_REUSE_MS,
  // and again as soon as a report or an exit changes what it covers.
  let latest: { at: number; view: Promise<GatewayView> } | undefined;
  const merged = (): Promise<GatewayView> => {
    const now = Date.now();
    if (latest === undefined || now - latest.at > VIEW_REUSE_MS) latest = { at: now, view: gateway.view(now) };
    return latest.view;
  };
  const sendMerged = (to: readonly Recipient[], message: (view: GatewayView) => unknown): Promise<void> =>
    merged().then((view) => broadcast(to, message(view)), (e: unknown) => logger.warn({ err: e }, 'gateway telemetry not merged'));
  const onMessage = (w: Worker, m: unknown): void => {
    if (isEdgeReport(m)) {
      gateway.absorb(w.id, m);
      latest = undefined;
    } else if (isViewRequest(m)) {
      void sendMerged([w], (view) => ({ t: 'wahook:view-answer', id: m.id, view }) satisfies ViewAnswer);
    }
  };
  const onExit = (w: Worker): void => {
    gateway.retire(w.id);
    latest = undefined;
  };
  // A process started to replace one that died would answer with its own counters, near zero, until the next
  // round; a scraper reads that drop as a counter reset. It gets the gateway's figures as soon as it listens.
  const onListening = (w: Worker): void => void sendMerged([w], (view) => view);
  cluster.on('message', onMessage);
  cluster.on('exit', onExit);
  cluster.on('listening', onListening);
  let busy = false;
  const timer = setInterval(() => {
    if (busy) return;
    busy = true;
    void sendMerged(Object.values(cluster.workers ?? {}), (view) => view).finally(() => { busy = false; });
  }, REPORT_INTERVAL_MS);
  timer.unref();
  return {
    stop: () => {
      clearInterval(timer);
      cluster.off('message', onMessage);
      cluster.off('exit', onExit);
      cluster.off('listening', onListening);
    },
  };
}
