/**
 * Every configuration key, with its type, default, environment name, flag
 * and whether it is secret. Each key's description is in schema-docs.ts,
 * apart from this list: every process start reads this list, and only help
 * and docs/config.md read the descriptions. docs/config.md is generated from
 * both and a test keeps it in sync.
 */

export type KeyType = 'string' | 'int' | 'bool' | 'list';

export interface KeySpec {
  readonly key: string;
  readonly type: KeyType;
  readonly default?: string | number | boolean | readonly string[];
  readonly env?: string;
  readonly flag?: string;
  readonly secret?: boolean;
  readonly min?: number;
  readonly max?: number;
  readonly oneOf?: readonly string[];
}

/** Node's timers take at most 2^31-1 ms; a longer delay fires after 1 ms instead. */
const MAX_TIMER_MS = 2_147_483_647;

export const SCHEMA: readonly KeySpec[] = [
  { key: 'host', type: 'string', default: '0.0.0.0', env: 'WAHOOK_HOST', flag: 'host' },
  { key: 'port', type: 'int', default: 3000, env: 'PORT', flag: 'port', min: 0, max: 65535 },
  { key: 'engine', type: 'string', env: 'WAHOOK_ENGINE', flag: 'engine', oneOf: ['sqlite', 'postgres', 'dynamodb'] },
  { key: 'databaseUrl', type: 'string', env: 'DATABASE_URL', flag: 'database-url', secret: true },
  { key: 'dbSchema', type: 'string', default: 'wahook', env: 'WAHOOK_DB_SCHEMA', flag: 'db-schema' },
  { key: 'dbPoolMax', type: 'int', default: 10, env: 'WAHOOK_DB_POOL_MAX', flag: 'db-pool-max', min: 1, max: 1000 },
  { key: 'dataDir', type: 'string', default: './.wahook', env: 'WAHOOK_DATA_DIR', flag: 'data-dir' },
  { key: 'appSecrets', type: 'list', default: [], env: 'WAHOOK_APP_SECRET', flag: 'app-secret', secret: true },
  { key: 'verifyToken', type: 'string', env: 'WAHOOK_VERIFY_TOKEN', flag: 'verify-token', secret: true },
  { key: 'wasenderSecret', type: 'string', env: 'WAHOOK_WASENDER_SECRET', flag: 'wasender-secret', secret: true },
  { key: 'insecureSkipSignature', type: 'bool', default: false, flag: 'insecure-skip-signature' },
  { key: 'insecureSkipSignatureBeyondLoopback', type: 'bool', default: false, flag: 'insecure-skip-signature-beyond-loopback' },
  { key: 'dev', type: 'bool', default: false, flag: 'dev' },
  { key: 'bodyLimitBytes', type: 'int', default: 4 * 1024 * 1024, env: 'WAHOOK_BODY_LIMIT', flag: 'body-limit', min: 1024 },
  { key: 'unverifiedBodyBudgetBytes', type: 'int', default: 64 * 1024 * 1024, env: 'WAHOOK_UNVERIFIED_BODY_BUDGET', flag: 'unverified-body-budget', min: 1024 },
  { key: 'maxConnections', type: 'int', default: 1024, env: 'WAHOOK_MAX_CONNECTIONS', flag: 'max-connections', min: 1 },
  { key: 'headersTimeoutMs', type: 'int', default: 10_000, env: 'WAHOOK_HEADERS_TIMEOUT_MS', min: 100, max: MAX_TIMER_MS },
  { key: 'requestTimeoutMs', type: 'int', default: 30_000, env: 'WAHOOK_REQUEST_TIMEOUT_MS', min: 100, max: MAX_TIMER_MS },
  { key: 'keepAliveTimeoutMs', type: 'int', default: 5_000, env: 'WAHOOK_KEEPALIVE_TIMEOUT_MS', min: 100, max: MAX_TIMER_MS },
  { key: 'processes', type: 'int', default: 0, env: 'WAHOOK_PROCESSES', flag: 'processes', min: 0, max: 256 },
  { key: 'storeWriter', type: 'string', default: 'auto', env: 'WAHOOK_STORE_WRITER', flag: 'store-writer', oneOf: ['auto', 'thread', 'inline'] },
  { key: 'storeMinFreeMb', type: 'int', default: 64, env: 'WAHOOK_MIN_FREE_MB', flag: 'min-free-mb', min: 0 },
  { key: 'storeBusyTimeoutMs', type: 'int', default: 1_000, env: 'WAHOOK_STORE_BUSY_TIMEOUT_MS', min: 0, max: MAX_TIMER_MS },
  { key: 'shutdownTimeoutMs', type: 'int', default: 10_000, env: 'WAHOOK_SHUTDOWN_TIMEOUT_MS', min: 0, max: MAX_TIMER_MS },
  { key: 'logLevel', type: 'string', default: 'info', env: 'WAHOOK_LOG_LEVEL', flag: 'log-level', oneOf: ['trace', 'debug', 'info', 'warn', 'error', 'fatal', 'silent'] },
  { key: 'worker.enabled', type: 'bool', default: true, env: 'WAHOOK_WORKER', flag: 'worker' },
  { key: 'worker.batchSize', type: 'int', default: 500, env: 'WAHOOK_WORKER_BATCH', min: 1, max: 10_000 },
  { key: 'worker.concurrency', type: 'int', default: 16, env: 'WAHOOK_WORKER_CONCURRENCY', min: 1, max: 1024 },
  { key: 'worker.maxAttempts', type: 'int', default: 8, env: 'WAHOOK_WORKER_MAX_ATTEMPTS', min: 1, max: 100 },
  { key: 'worker.backoffBaseMs', type: 'int', default: 1_000, env: 'WAHOOK_WORKER_BACKOFF_BASE_MS', min: 1, max: MAX_TIMER_MS },
  { key: 'worker.backoffMaxMs', type: 'int', default: 300_000, env: 'WAHOOK_WORKER_BACKOFF_MAX_MS', min: 1, max: MAX_TIMER_MS },
  { key: 'worker.handlerTimeoutMs', type: 'int', default: 60_000, env: 'WAHOOK_HANDLER_TIMEOUT_MS', min: 1, max: MAX_TIMER_MS },
  { key: 'worker.pollMs', type: 'int', default: 50, env: 'WAHOOK_WORKER_POLL_MS', min: 1, max: MAX_TIMER_MS },
  { key: 'handlers', type: 'string', env: 'WAHOOK_HANDLERS', flag: 'handlers' },
  { key: 'forwardUrl', type: 'string', env: 'WAHOOK_FORWARD_URL', flag: 'forward-url' },
  { key: 'forwardSecret', type: 'string', env: 'WAHOOK_FORWARD_SECRET', flag: 'forward-secret', secret: true },
  { key: 'forwardTimeoutMs', type: 'int', default: 10_000, env: 'WAHOOK_FORWARD_TIMEOUT_MS', min: 100, max: MAX_TIMER_MS },
  { key: 'graphUrl', type: 'string', default: 'https://graph.facebook.com', env: 'WAHOOK_GRAPH_URL' },
  { key: 'graphVersion', type: 'string', default: 'v24.0', env: 'WAHOOK_GRAPH_VERSION' },
  { key: 'accessToken', type: 'string', env: 'WAHOOK_ACCESS_TOKEN', secret: true },
  { key: 'wasenderApiKey', type: 'string', env: 'WAHOOK_WASENDER_API_KEY', secret: true },
  { key: 'media.enabled', type: 'string', default: 'auto', env: 'WAHOOK_MEDIA', flag: 'media', oneOf: ['auto', 'on', 'off'] },
  { key: 'media.url', type: 'string', env: 'WAHOOK_MEDIA_URL', flag: 'media-url' },
  { key: 'media.hosts', type: 'list', default: [], env: 'WAHOOK_MEDIA_HOSTS' },
  { key: 'media.maxBytes', type: 'int', default: 100 * 1024 * 1024, env: 'WAHOOK_MEDIA_MAX_BYTES', min: 1 },
  { key: 'media.connectTimeoutMs', type: 'int', default: 10_000, env: 'WAHOOK_MEDIA_CONNECT_TIMEOUT_MS', min: 1, max: MAX_TIMER_MS },
  { key: 'media.readTimeoutMs', type: 'int', default: 30_000, env: 'WAHOOK_MEDIA_READ_TIMEOUT_MS', min: 1, max: MAX_TIMER_MS },
  { key: 'media.timeoutMs', type: 'int', default: 600_000, env: 'WAHOOK_MEDIA_TIMEOUT_MS', min: 1, max: MAX_TIMER_MS },
  { key: 'media.concurrency', type: 'int', default: 4, env: 'WAHOOK_MEDIA_CONCURRENCY', min: 1, max: 256 },
  { key: 'media.maxAttempts', type: 'int', default: 8, env: 'WAHOOK_MEDIA_MAX_ATTEMPTS', min: 1, max: 100 },
  { key: 'media.whatsappCdnUrl', type: 'string', default: 'https://mmg.whatsapp.net', env: 'WAHOOK_WHATSAPP_CDN_URL' },
  { key: 'media.wasenderDecryptUrl', type: 'string', env: 'WAHOOK_WASENDER_DECRYPT_URL' },
  { key: 'media.s3Endpoint', type: 'string', env: 'AWS_ENDPOINT_URL_S3' },
  { key: 'media.s3Region', type: 'string', env: 'AWS_REGION' },
  { key: 'media.s3ForcePathStyle', type: 'bool', default: false, env: 'WAHOOK_S3_FORCE_PATH_STYLE' },
  { key: 'tlsCert', type: 'string', env: 'WAHOOK_TLS_CERT', flag: 'tls-cert' },
  { key: 'tlsKey', type: 'string', env: 'WAHOOK_TLS_KEY', flag: 'tls-key' },
  { key: 'trustedProxies', type: 'list', default: [], env: 'WAHOOK_TRUSTED_PROXIES', flag: 'trusted-proxies' },
  { key: 'webhookAllowCidrs', type: 'list', default: [], env: 'WAHOOK_WEBHOOK_ALLOW_CIDRS', flag: 'webhook-allow-cidrs' },
  { key: 'adminToken', type: 'string', env: 'WAHOOK_ADMIN_TOKEN', flag: 'admin-token', secret: true },
  { key: 'metricsRequireToken', type: 'bool', default: false, env: 'WAHOOK_METRICS_REQUIRE_TOKEN' },
  { key: 'telemetryRetentionDays', type: 'int', default: 35, env: 'WAHOOK_TELEMETRY_RETENTION_DAYS', min: 1 },
  { key: 'retention.deliveriesDays', type: 'int', default: 30, env: 'WAHOOK_RETENTION_DELIVERIES_DAYS', flag: 'retention-deliveries-days', min: 0, max: 36_500 },
  { key: 'retention.eventsDays', type: 'int', default: 0, env: 'WAHOOK_RETENTION_EVENTS_DAYS', flag: 'retention-events-days', min: 0, max: 36_500 },
  { key: 'retention.intervalMs', type: 'int', default: 60_000, env: 'WAHOOK_RETENTION_INTERVAL_MS', min: 100, max: MAX_TIMER_MS },
  { key: 'queueUrl', type: 'string', env: 'WAHOOK_QUEUE_URL', flag: 'queue' },
  { key: 'queueDurability', type: 'string', default: 'strict', env: 'WAHOOK_QUEUE_DURABILITY', flag: 'queue-durability', oneOf: ['strict', 'relaxed'] },
  { key: 'queueMaxDeliveries', type: 'int', default: 10, env: 'WAHOOK_QUEUE_MAX_DELIVERIES', flag: 'queue-max-deliveries', min: 0, max: 1000 },
  { key: 'largeDeliveryBucket', type: 'string', env: 'WAHOOK_LARGE_DELIVERY_BUCKET', flag: 'large-delivery-bucket' },
  { key: 'dynamodbTablePrefix', type: 'string', env: 'WAHOOK_DYNAMODB_TABLE_PREFIX', flag: 'dynamodb-table-prefix' },
  { key: 'queueWaitSeconds', type: 'int', default: 5, env: 'WAHOOK_QUEUE_WAIT_SECONDS', min: 1, max: 20 },
];

export const SPEC_BY_KEY: ReadonlyMap<string, KeySpec> = new Map(SCHEMA.map((s) => [s.key, s]));
