import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { loadConfig, type Config } from '../../src/config/load.js';
import { SqliteDeliveryReader } from '../../src/adapters/sqlite/delivery-reader.js';
import { writerThread } from '../../src/compose.js';
import { SqliteDeliveryStore } from '../../src/adapters/sqlite/delivery-store.js';
import { createGatewayServer, type GatewayServer } from '../../src/entry/server.js';
import { createLogger } from '../../src/entry/logger.js';
import type { Telemetry } from '../../src/ports/telemetry.js';

export const SECRET = 'test-app-secret';
export const WASENDER_SECRET = 'test-wasender-secret';
export const VERIFY_TOKEN = 'test-verify-token';

export function tempDir(prefix = 'wahook-test-'): string {
  return mkdtempSync(join(tmpdir(), prefix));
}

export interface TestGateway {
  url: string;
  config: Config;
  store: SqliteDeliveryStore;
  reader: SqliteDeliveryReader;
  gateway: GatewayServer;
  close(): Promise<void>;
}

/** Boots the real edge on 127.0.0.1:0 over a fresh data dir. */
export async function startGateway(
  overrides: { flags?: Record<string, unknown>; env?: Record<string, string>; file?: unknown; telemetry?: Telemetry } = {},
): Promise<TestGateway> {
  const dataDir = tempDir();
  const config = loadConfig({
    flags: { host: '127.0.0.1', port: '0', 'data-dir': dataDir, ...overrides.flags },
    env: { WAHOOK_APP_SECRET: SECRET, WAHOOK_VERIFY_TOKEN: VERIFY_TOKEN, WAHOOK_WASENDER_SECRET: WASENDER_SECRET, ...overrides.env },
    file: overrides.file,
  });
  // As `serve` opens it: the writer runs where `storeWriter` says (`auto`: the event loop below four cores, a writer thread from four).
  const store = await SqliteDeliveryStore.open({ dataDir, busyTimeoutMs: config.storeBusyTimeoutMs, thread: writerThread(config.storeWriter), serving: true });
  const gateway = createGatewayServer({ config, store, logger: createLogger('silent'), telemetry: overrides.telemetry });
  const { port } = await gateway.listen();
  const reader = new SqliteDeliveryReader(dataDir);
  return {
    url: `http://127.0.0.1:${port}`,
    config,
    store,
    reader,
    gateway,
    close: async () => {
      await gateway.shutdown();
      await reader.close();
      rmSync(dataDir, { recursive: true, force: true });
    },
  };
}
