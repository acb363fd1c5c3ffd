import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { loadConfig, type Config } from '../../src/config/load.js';
import { createEngine } from '../../src/compose.js';
import { createGatewayServer, type GatewayServer } from '../../src/entry/server.js';
import { createLogger } from '../../src/entry/logger.js';
import { START, type DeliveryLog, type DeliveryStore, type StoredDelivery } from '../../src/ports/delivery-log.js';
import type { Telemetry } from '../../src/ports/telemetry.js';

export const SECRET = 'test-app-secret';
export const WASENDER_SECRET = 'test-wasender-secret';
export const VERIFY_TOKEN = 'test-verify-token';

export function tempDir(prefix = 'wahook-test-'): string {
  return mkdtempSync(join(tmpdir(), prefix));
}

/** Every delivery in the log, oldest first, with its headers. */
export async function allDeliveries(log: DeliveryLog): Promise<StoredDelivery[]> {
  const out: StoredDelivery[] = [];
  for (let from = START; ;) {
    const page = await log.read(from, 1000, { withHeaders: true });
    if (page.deliveries.length === 0) return out;
    out.push(...page.deliveries);
    from = page.next;
  }
}

export interface TestGateway {
  url: string;
  config: Config;
  store: DeliveryStore;
  log: DeliveryLog;
  gateway: GatewayServer;
  close(): Promise<void>;
}

/** Boots the real edge on 127.0.0.1:0 over a fresh data dir, with its store from the composition root, as `serve` does. */
export async function startGateway(
  overrides: { flags?: Record<string, unknown>; env?: Record<string, string>; file?: unknown; telemetry?: Telemetry } = {},
): Promise<TestGateway> {
  const dataDir = tempDir();
  const config = loadConfig({
    flags: { host: '127.0.0.1', port: '0', 'data-dir': dataDir, ...overrides.flags },
    env: { WAHOOK_APP_SECRET: SECRET, WAHOOK_VERIFY_TOKEN: VERIFY_TOKEN, WAHOOK_WASENDER_SECRET: WASENDER_SECRET, ...overrides.env },
    file: overrides.file,
  });
  const engine = createEngine(config);
  const store = await engine.openDeliveryStore();
  const gateway = createGatewayServer({ config, store, logger: createLogger('silent'), telemetry: overrides.telemetry });
  const { port } = await gateway.listen();
  const log = await engine.openDeliveryLog();
  return {
    url: `http://127.0.0.1:${port}`,
    config,
    store,
    log,
    gateway,
    close: async () => {
      await gateway.shutdown();
      await log.close();
      rmSync(dataDir, { recursive: true, force: true });
    },
  };
}
