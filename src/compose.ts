import { resolve } from 'node:path';
import type { Config } from './config/load.js';
import { sqsQueue } from './adapters/sqs/index.js';
import { queueKind, type QueueKind } from './core/queue-url.js';
import { redisQueueAddress } from './core/redis-url.js';
import type { Engine } from './ports/engine.js';
import type { DeliveryDecoder } from './ports/queued-delivery.js';
import { fileMediaStorage } from './adapters/fs/media-storage.js';
import { GatewayError } from './core/errors.js';
import type { MediaIndex } from './ports/media-index.js';
import type { MediaStorage } from './ports/media-storage.js';

/**
 * The composition root: the one place engines are chosen and adapters are
 * imported. Everything else receives ports. A new engine is an adapter
 * folder and one line in ENGINES.
 */
const ENGINES: Record<Config['engine'], (config: Config) => Engine & Partial<Migratable>> = {
  sqlite: (c) => lazyEngine('sqlite', { media: true, retention: true }, async () => (await import('./adapters/sqlite/index.js')).sqliteEngine({ dataDir: resolve(c.dataDir), busyTimeoutMs: c.storeBusyTimeoutMs, writerThread: writerThread(c.storeWriter, (await import('node:os')).availableParallelism()), minFreeBytes: c.storeMinFreeMb * 1024 * 1024 })),
  postgres: (c) => lazyEngine('postgres', { media: true, migrate: true, retention: true }, async () => (await import('./adapters/postgres/index.js')).postgresEngine({ url: c.databaseUrl!, schema: c.dbSchema, poolMax: c.dbPoolMax })),
  dynamodb: (c) => lazyEngine('dynamodb', {}, async () => (await import('./adapters/dynamodb/index.js')).dynamodbEngine({ tablePrefix: c.dynamodbTablePrefix!, deliveryRetentionDays: c.retention.deliveriesDays })),
};

/**
 * An engine whose adapter (and driver) is loaded when it is first opened,
 * so a process loads only the engine its config picks: the receiving
 * Lambda, whose bundle splits at these imports, starts without any.
 */
function lazyEngine(name: string, has: { media?: boolean; migrate?: boolean; retention?: boolean }, load: () => Promise<Engine & Partial<Migratable>>): Engine & Partial<Migratable> {
  let loaded: Promise<Engine & Partial<Migratable>> | undefined;
  const engine = (): Promise<Engine & Partial<Migratable>> => (loaded ??= load());
  return {
    name,
    openDeliveryStore: async (hooks) => (await engine()).openDeliveryStore(hooks),
    openDeliveryLog: async () => (await engine()).openDeliveryLog(),
    openPipelineStores: async () => (await engine()).openPipelineStores(),
    openEventQuery: async () => (await engine()).openEventQuery(),
    openTelemetryStore: async () => (await engine()).openTelemetryStore(),
    ...(has.media ? { openMediaIndex: async () => (await engine()).openMediaIndex!() } : {}),
    ...(has.migrate ? { migrate: async () => (await engine()).migrate!() } : {}),
    ...(has.retention ? { openRetention: async () => (await engine()).openRetention!() } : {}),
  };
}

/** An engine whose schema is migrated by `wahook migrate` rather than on open. */
export interface Migratable {
  migrate(): Promise<{ from: number; to: number }>;
}

/** @example const engine = createEngine(config); const log = await engine.openDeliveryLog(); */
export function createEngine(config: Config): Engine & Partial<Migratable> {
  return withQueue(ENGINES[config.engine](config), config);
}

/**
 * A queue, when configured, is the delivery log; the engine keeps events,
 * jobs and telemetry. A queue engine is one line in QUEUES.
 */
const QUEUES: Record<QueueKind, (config: Config) => QueueEngine> = {
  sqs: (c) => sqsQueue({ url: c.queueUrl!, largeDeliveryBucket: c.largeDeliveryBucket, waitSeconds: c.queueWaitSeconds }),
  redis: (c) => {
    // Loaded on first open, like the engines: a process that never touches Redis never loads its client.
    const queue = import('./adapters/redis/index.js').then((m) => m.redisQueue({ address: redisQueueAddress(c.queueUrl!)!, durability: c.queueDurability, maxDeliveries: c.queueMaxDeliveries }));
    return { openDeliveryStore: async (hooks) => (await queue).openDeliveryStore(hooks), openDeliveryLog: async () => (await queue).openDeliveryLog() };
  },
};

/** A queue's side of the delivery log; a decoder only where a function is triggered by the queue (SQS). */
interface QueueEngine extends Pick<Engine, 'openDeliveryStore' | 'openDeliveryLog'> {
  openDecoder?(): DeliveryDecoder;
}

function withQueue<E extends Engine>(engine: E, config: Config): E {
  const kind = config.queueUrl === undefined ? null : queueKind(config.queueUrl);
  if (kind === null) return engine;
  const queue = QUEUES[kind](config);
  return { ...engine, name: `${engine.name}+${kind}`, openDeliveryStore: queue.openDeliveryStore, openDeliveryLog: queue.openDeliveryLog };
}

/** What turns a queued message back into a delivery, for a queue-triggered function (the Lambda `sqsHandler`); null without a queue. */
export function openDeliveryDecoder(config: Config): DeliveryDecoder | null {
  const kind = config.queueUrl === undefined ? null : queueKind(config.queueUrl);
  return kind === null ? null : (QUEUES[kind](config).openDecoder?.() ?? null);
}

/**
 * A writer thread overlaps the next batch's HTTP work with this one's
 * commit, but every batch then crosses threads, which costs CPU. `serve`
 * already keeps two threads busy (the edge and the pipeline worker), so the
 * writer thread pays only with a core of its own: `auto` takes it from four
 * cores up (the measurements are in BENCHMARKS.md).
 */
export function writerThread(choice: Config['storeWriter'], cores: number): boolean {
  return choice === 'thread' || (choice === 'auto' && cores >= 4);
}

/**
 * Where media objects go (media.url): files, or an S3-compatible bucket.
 * The S3 adapter is loaded only when asked for, so a gateway that keeps
 * media on disk never loads the AWS SDK.
 */
export async function createMediaStorage(config: Config): Promise<MediaStorage> {
  const { store, s3Endpoint, s3Region, s3ForcePathStyle } = config.media;
  if (store.kind === 'file') return fileMediaStorage(resolve(store.dir));
  const { s3MediaStorage } = await import('./adapters/s3/media-storage.js');
  return s3MediaStorage({
    bucket: store.bucket,
    prefix: store.prefix,
    forcePathStyle: s3ForcePathStyle,
    ...(s3Endpoint !== undefined ? { endpoint: s3Endpoint } : {}),
    ...(s3Region !== undefined ? { region: s3Region } : {}),
  });
}

/** The engine's media state; a config error for an engine that keeps none. */
export async function openMediaIndex(config: Config, engine: Engine = createEngine(config)): Promise<MediaIndex> {
  if (engine.openMediaIndex === undefined) {
    throw new GatewayError('WAHOOK_ERR_CONFIG_INVALID', `Invalid config key "media.enabled": the ${engine.name} engine keeps no media state; set WAHOOK_MEDIA=off`);
  }
  return engine.openMediaIndex();
}

/** What the media pipeline writes to: its state and its objects, opened together and closed together. */
export async function openMediaStores(config: Config): Promise<{ index: MediaIndex; storage: MediaStorage; close(): Promise<void> }> {
  const index = await openMediaIndex(config);
  const storage = await createMediaStorage(config).catch(async (e: unknown) => {
    await index.close();
    throw e;
  });
  return {
    index,
    storage,
    close: async () => {
      await storage.close();
      await index.close();
    },
  };
}
