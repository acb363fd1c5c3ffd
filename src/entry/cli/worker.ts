import type { Logger } from 'pino';
import type { Config } from '../../config/load.js';
import { runWorker } from '../run-worker.js';
import { armStopWatchdog, STOP_GRACE_MS } from '../stop-watchdog.js';

/** `wahook worker`: the pipeline alone, e.g. beside `wahook serve --no-worker`. */
export async function workerCommand(config: Config, logger: Logger): Promise<number> {
  const worker = await runWorker(config, logger);
  await new Promise<void>((resolve) => {
    process.once('SIGTERM', () => resolve());
    process.once('SIGINT', () => resolve());
  });
  const disarm = armStopWatchdog(config.shutdownTimeoutMs + STOP_GRACE_MS, logger);
  await worker.stop();
  disarm();
  logger.flush();
  return 0;
}
