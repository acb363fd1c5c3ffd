/**
 * Every configuration key, with its type, default, environment name, flag
 * and whether it is secret. docs/config.md is generated from this list and a
 * test keeps the two in sync.
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
  readonly doc: string;
}

export const SCHEMA: readonly KeySpec[] = [
  { key: 'host', type: 'string', default: '0.0.0.0', env: 'WAHOOK_HOST', flag: 'host', doc: 'Address to listen on.' },
  { key: 'port', type: 'int', default: 3000, env: 'PORT', flag: 'port', min: 0, max: 65535, doc: 'TCP port to listen on (0 picks a free port).' },
  { key: 'engine', type: 'string', env: 'WAHOOK_ENGINE', flag: 'engine', oneOf: ['sqlite', 'postgres', 'dynamodb'], doc: 'Storage engine of the delivery log, events, jobs and telemetry. `sqlite` (the default): files in the data dir, nothing else to run. `postgres` (the default when `databaseUrl` is set): one database shared by any number of edge and worker processes. `dynamodb` (the default when `dynamodbTablePrefix` is set): events, jobs and telemetry in DynamoDB, deliveries in a queue (`queueUrl`).' },
  { key: 'databaseUrl', type: 'string', env: 'DATABASE_URL', flag: 'database-url', secret: true, doc: 'PostgreSQL connection URL (`postgres://user:pass@host:5432/db`); selects the `postgres` engine. Works through PgBouncer in transaction mode.' },
  { key: 'dbSchema', type: 'string', default: 'wahook', env: 'WAHOOK_DB_SCHEMA', flag: 'db-schema', doc: 'PostgreSQL schema that holds wahook\'s tables (a plain identifier).' },
  { key: 'dbPoolMax', type: 'int', default: 10, env: 'WAHOOK_DB_POOL_MAX', flag: 'db-pool-max', min: 1, max: 1000, doc: 'Connections one process opens to PostgreSQL at most, whatever the load.' },
  { key: 'dataDir', type: 'string', default: './.wahook', env: 'WAHOOK_DATA_DIR', flag: 'data-dir', doc: 'Directory of the embedded SQLite store.' },
  { key: 'appSecrets', type: 'list', default: [], env: 'WAHOOK_APP_SECRET', flag: 'app-secret', secret: true, doc: 'Meta app secret(s) of the default tenant, comma-separated to rotate.' },
  { key: 'verifyToken', type: 'string', env: 'WAHOOK_VERIFY_TOKEN', flag: 'verify-token', secret: true, doc: 'Verify token of the default tenant for the GET handshake.' },
  { key: 'wasenderSecret', type: 'string', env: 'WAHOOK_WASENDER_SECRET', flag: 'wasender-secret', secret: true, doc: 'WASenderApi webhook secret of the default tenant.' },
  { key: 'insecureSkipSignature', type: 'bool', default: false, flag: 'insecure-skip-signature', doc: 'Accept unsigned deliveries, for every tenant. Development only; logs a warning. Refused unless `host` is a loopback address or `insecureSkipSignatureBeyondLoopback` is also set.' },
  { key: 'insecureSkipSignatureBeyondLoopback', type: 'bool', default: false, flag: 'insecure-skip-signature-beyond-loopback', doc: 'Allow `insecureSkipSignature` on an address other hosts can reach, where anyone who finds the port can store deliveries for every tenant.' },
  { key: 'dev', type: 'bool', default: false, flag: 'dev', doc: 'Generate and keep a development secret in the data dir when none is configured.' },
  { key: 'bodyLimitBytes', type: 'int', default: 4 * 1024 * 1024, env: 'WAHOOK_BODY_LIMIT', flag: 'body-limit', min: 1024, doc: 'Largest accepted body in bytes (Meta sends up to 3 MB).' },
  { key: 'unverifiedBodyBudgetBytes', type: 'int', default: 64 * 1024 * 1024, env: 'WAHOOK_UNVERIFIED_BODY_BUDGET', flag: 'unverified-body-budget', min: 1024, doc: 'Most bytes of request bodies held at once, over all requests, before their signatures are checked (a body is held until its last byte arrives). A request whose declared length or next chunk would go past it is answered 503 with `Retry-After: 1` ([`WAHOOK_ERR_HTTP_BODY_BUDGET`](errors.md#WAHOOK_ERR_HTTP_BODY_BUDGET)) and its connection closed, so slow senders cannot make the edge hold more than this. At least `bodyLimitBytes`.' },
  { key: 'maxConnections', type: 'int', default: 1024, env: 'WAHOOK_MAX_CONNECTIONS', flag: 'max-connections', min: 1, doc: 'Most open connections; past it a new connection is closed at once, without an answer, and counted as [`WAHOOK_ERR_HTTP_CONNECTION_LIMIT`](errors.md#WAHOOK_ERR_HTTP_CONNECTION_LIMIT). Raise it behind a proxy or load balancer that keeps many connections open.' },
  { key: 'headersTimeoutMs', type: 'int', default: 10_000, env: 'WAHOOK_HEADERS_TIMEOUT_MS', min: 100, doc: 'Time allowed to receive the request headers.' },
  { key: 'requestTimeoutMs', type: 'int', default: 30_000, env: 'WAHOOK_REQUEST_TIMEOUT_MS', min: 100, doc: 'Time allowed to receive the whole request.' },
  { key: 'keepAliveTimeoutMs', type: 'int', default: 5_000, env: 'WAHOOK_KEEPALIVE_TIMEOUT_MS', min: 100, doc: 'Idle time before a keep-alive connection is closed.' },
  { key: 'processes', type: 'int', default: 0, env: 'WAHOOK_PROCESSES', flag: 'processes', min: 0, max: 256, doc: 'Receiving processes of `serve`, sharing one port; `serve` itself then runs the worker. 0: one per core on PostgreSQL, one on the embedded SQLite (which takes no more).' },
  { key: 'storeWriter', type: 'string', default: 'auto', env: 'WAHOOK_STORE_WRITER', flag: 'store-writer', oneOf: ['auto', 'thread', 'inline'], doc: 'Where commits run: on the event loop itself, or in a writer thread. `auto` commits on the event loop below four cores and takes the thread from four up: on two cores `serve` already keeps the edge and the pipeline worker busy, and the thread there cost more CPU per request and handled fewer requests with the worker running. `thread` overlaps each commit with the next batch of HTTP work (the highest peak when it has a core of its own). On the event loop, the commit that takes the WAL past 1,000 pages also checkpoints it (about 4 MB copied back and synced, a few milliseconds), a lock held by another process holds the loop (up to storeBusyTimeoutMs per commit), and so does a rebuild of the dedupe index.' },
  { key: 'storeBusyTimeoutMs', type: 'int', default: 1_000, env: 'WAHOOK_STORE_BUSY_TIMEOUT_MS', min: 0, doc: 'How long a commit waits for a lock held by another process before answering 503.' },
  { key: 'shutdownTimeoutMs', type: 'int', default: 10_000, env: 'WAHOOK_SHUTDOWN_TIMEOUT_MS', min: 0, doc: 'Longest wait for in-flight requests on SIGTERM.' },
  { key: 'logLevel', type: 'string', default: 'info', env: 'WAHOOK_LOG_LEVEL', flag: 'log-level', oneOf: ['trace', 'debug', 'info', 'warn', 'error', 'fatal', 'silent'], doc: 'Log level.' },
  { key: 'worker.enabled', type: 'bool', default: true, env: 'WAHOOK_WORKER', flag: 'worker', doc: 'Run the event worker inside `serve` (turn off to run `wahook worker` apart).' },
  { key: 'worker.batchSize', type: 'int', default: 500, env: 'WAHOOK_WORKER_BATCH', min: 1, max: 10_000, doc: 'Deliveries normalised per transaction.' },
  { key: 'worker.concurrency', type: 'int', default: 16, env: 'WAHOOK_WORKER_CONCURRENCY', min: 1, max: 1024, doc: 'Conversations whose handlers run at once.' },
  { key: 'worker.maxAttempts', type: 'int', default: 8, env: 'WAHOOK_WORKER_MAX_ATTEMPTS', min: 1, max: 100, doc: 'Handler attempts before an event is dead-lettered.' },
  { key: 'worker.backoffBaseMs', type: 'int', default: 1_000, env: 'WAHOOK_WORKER_BACKOFF_BASE_MS', min: 1, doc: 'First retry delay; doubles each attempt, with full jitter.' },
  { key: 'worker.backoffMaxMs', type: 'int', default: 300_000, env: 'WAHOOK_WORKER_BACKOFF_MAX_MS', min: 1, doc: 'Ceiling of the retry delay.' },
  { key: 'worker.handlerTimeoutMs', type: 'int', default: 60_000, env: 'WAHOOK_HANDLER_TIMEOUT_MS', min: 1, doc: 'A handler still running after this long counts as failed and is retried.' },
  { key: 'worker.pollMs', type: 'int', default: 50, env: 'WAHOOK_WORKER_POLL_MS', min: 1, doc: 'Idle poll interval of the worker.' },
  { key: 'handlers', type: 'string', env: 'WAHOOK_HANDLERS', flag: 'handlers', doc: 'Path of a module exporting event handlers.' },
  { key: 'forwardUrl', type: 'string', env: 'WAHOOK_FORWARD_URL', flag: 'forward-url', doc: 'POST every event to this URL, signed with Standard Webhooks headers.' },
  { key: 'forwardSecret', type: 'string', env: 'WAHOOK_FORWARD_SECRET', flag: 'forward-secret', secret: true, doc: 'Standard Webhooks secret (whsec_<base64>) for forwarded events.' },
  { key: 'forwardTimeoutMs', type: 'int', default: 10_000, env: 'WAHOOK_FORWARD_TIMEOUT_MS', min: 100, doc: 'Timeout of one forwarding POST.' },
  { key: 'graphUrl', type: 'string', default: 'https://graph.facebook.com', env: 'WAHOOK_GRAPH_URL', doc: 'Base URL of the Graph API, where Cloud API media ids are resolved (a tenant in the config file may set its own).' },
  { key: 'graphVersion', type: 'string', default: 'v24.0', env: 'WAHOOK_GRAPH_VERSION', doc: 'Graph API version in media requests (a tenant may set its own).' },
  { key: 'accessToken', type: 'string', env: 'WAHOOK_ACCESS_TOKEN', secret: true, doc: 'Cloud API access token of the default tenant, for its media. Sent only to graphUrl and to the media URL the Graph API returns, never to another host.' },
  { key: 'wasenderApiKey', type: 'string', env: 'WAHOOK_WASENDER_API_KEY', secret: true, doc: 'WASenderApi session API key of the default tenant, sent only to media.wasenderDecryptUrl.' },
  { key: 'media.enabled', type: 'string', default: 'auto', env: 'WAHOOK_MEDIA', flag: 'media', oneOf: ['auto', 'on', 'off'], doc: 'Download every media message (image, audio, video, document, sticker) into media storage, as jobs apart from the handlers. `auto` turns it on when a tenant has an access token or media.url is set; WASender media needs no token, so a WASender-only gateway sets `on`.' },
  { key: 'media.url', type: 'string', env: 'WAHOOK_MEDIA_URL', flag: 'media-url', doc: 'Where media is stored: `file://<dir>` (default: `media/` in the data dir) or `s3://<bucket>/<prefix>`. Keys are content-addressed: `<tenant>/<first two hex digits>/<sha256>`.' },
  { key: 'media.hosts', type: 'list', default: [], env: 'WAHOOK_MEDIA_HOSTS', doc: 'Hosts media may be downloaded from, comma-separated: `host` (https on 443), `host:port`, or `*.suffix`. Empty: Meta\'s media host and WhatsApp\'s CDN (`lookaside.fbsbx.com`, `mmg.whatsapp.net`, `*.whatsapp.net`). A set list replaces that one. Only an exact host named here may resolve to a private or loopback address. Redirects are followed only to listed hosts.' },
  { key: 'media.maxBytes', type: 'int', default: 100 * 1024 * 1024, env: 'WAHOOK_MEDIA_MAX_BYTES', min: 1, doc: 'Largest media file stored (Meta does not deliver inbound media over 100 MB).' },
  { key: 'media.connectTimeoutMs', type: 'int', default: 10_000, env: 'WAHOOK_MEDIA_CONNECT_TIMEOUT_MS', min: 1, doc: 'Time allowed to connect to a media or Graph API host.' },
  { key: 'media.readTimeoutMs', type: 'int', default: 30_000, env: 'WAHOOK_MEDIA_READ_TIMEOUT_MS', min: 1, doc: 'Longest wait for the next bytes of an answer before the attempt fails (a stalled download).' },
  { key: 'media.timeoutMs', type: 'int', default: 600_000, env: 'WAHOOK_MEDIA_TIMEOUT_MS', min: 1, doc: 'Longest one media attempt may take, download and storage included.' },
  { key: 'media.concurrency', type: 'int', default: 4, env: 'WAHOOK_MEDIA_CONCURRENCY', min: 1, max: 256, doc: 'Media downloads at once. They have slots of their own, so downloads never take the handlers\' slots.' },
  { key: 'media.maxAttempts', type: 'int', default: 8, env: 'WAHOOK_MEDIA_MAX_ATTEMPTS', min: 1, max: 100, doc: 'Attempts at a media item before its job is dead-lettered and `media.failed` is sent; retries back off as the worker\'s do.' },
  { key: 'media.whatsappCdnUrl', type: 'string', default: 'https://mmg.whatsapp.net', env: 'WAHOOK_WHATSAPP_CDN_URL', doc: 'WhatsApp\'s media CDN; a WASender message with a `directPath` is downloaded from here plus that path.' },
  { key: 'media.wasenderDecryptUrl', type: 'string', env: 'WAHOOK_WASENDER_DECRYPT_URL', doc: 'The vendor\'s decrypt endpoint (e.g. `https://www.wasenderapi.com/api/decrypt-media`). When set, WASender media of tenants with a wasenderApiKey is decrypted by the vendor and checked against its fileSha256; otherwise wahook decrypts it itself and checks fileEncSha256, the MAC and fileSha256.' },
  { key: 'media.s3Endpoint', type: 'string', env: 'AWS_ENDPOINT_URL_S3', doc: 'Endpoint of an S3-compatible store for `s3://` media (MinIO and the like); AWS S3 when unset.' },
  { key: 'media.s3Region', type: 'string', env: 'AWS_REGION', doc: 'Region of the media bucket; the AWS SDK\'s own lookup when unset (`us-east-1` with an endpoint of one\'s own).' },
  { key: 'media.s3ForcePathStyle', type: 'bool', default: false, env: 'WAHOOK_S3_FORCE_PATH_STYLE', doc: 'Path-style S3 addressing (`host/bucket/key`), which MinIO and most self-hosted stores need.' },
  { key: 'adminToken', type: 'string', env: 'WAHOOK_ADMIN_TOKEN', flag: 'admin-token', secret: true, doc: 'Bearer token for /dashboard and admin APIs (required when listening beyond localhost).' },
  { key: 'metricsRequireToken', type: 'bool', default: false, env: 'WAHOOK_METRICS_REQUIRE_TOKEN', doc: 'Also protect /metrics with the admin token.' },
  { key: 'telemetryRetentionDays', type: 'int', default: 35, env: 'WAHOOK_TELEMETRY_RETENTION_DAYS', min: 1, doc: 'Days of per-minute telemetry rollups kept.' },
  { key: 'retention.deliveriesDays', type: 'int', default: 30, env: 'WAHOOK_RETENTION_DELIVERIES_DAYS', flag: 'retention-deliveries-days', min: 0, max: 36_500, doc: 'Days a raw delivery is kept after it was received; 0 keeps them all. The worker deletes older ones in small batches, and never one it has not made into events yet. Meta retries a delivery for up to 7 days: below that, a retry of a delivery already deleted is stored again (its events are still not inserted twice while they are kept). `wahook replay` can only replay what is kept.' },
  { key: 'retention.eventsDays', type: 'int', default: 0, env: 'WAHOOK_RETENTION_EVENTS_DAYS', flag: 'retention-events-days', min: 0, max: 36_500, doc: 'Days an event is kept, by its own time (`ts`); 0 (the default) keeps them all. An event with a job still pending or dead-lettered is kept until the job is done or purged. Message state, status history, contacts and sessions are not events and are kept. Keep it longer than `retention.deliveriesDays`: an event deleted while its delivery is still stored comes back if that delivery is replayed.' },
  { key: 'retention.intervalMs', type: 'int', default: 60_000, env: 'WAHOOK_RETENTION_INTERVAL_MS', min: 100, doc: 'How often the worker deletes what is past retention (deliveries, events, and telemetry rollups past `telemetryRetentionDays`), batch after batch with a pause between them until nothing is left. The first pass runs one interval after the worker starts. DynamoDB expires items by TTL instead.' },
  { key: 'queueUrl', type: 'string', env: 'WAHOOK_QUEUE_URL', flag: 'queue', doc: 'A queue as the delivery log instead of the engine\'s own: `sqs://<host>/<account>/<name>` or the `https://sqs.…` queue URL. The edge answers 200 once SendMessage has; `wahook worker --queue …` and the Lambda `sqsHandler` consume it. Region, endpoint and credentials come from the AWS SDK\'s settings (`AWS_REGION`, `AWS_ENDPOINT_URL_SQS`, the role).' },
  { key: 'largeDeliveryBucket', type: 'string', env: 'WAHOOK_LARGE_DELIVERY_BUCKET', flag: 'large-delivery-bucket', doc: 'S3 bucket for deliveries too large for a queue message (256 KiB): the body is stored there first and the message carries its key and SHA-256. Without it such deliveries are refused with 413. Endpoint from `AWS_ENDPOINT_URL_S3`.' },
  { key: 'dynamodbTablePrefix', type: 'string', env: 'WAHOOK_DYNAMODB_TABLE_PREFIX', flag: 'dynamodb-table-prefix', doc: 'Selects the DynamoDB engine: its tables are `<prefix>events`, `<prefix>jobs` and `<prefix>telemetry` (deploy/lambda/template.yaml makes them). Needs `queueUrl`. Endpoint from `AWS_ENDPOINT_URL_DYNAMODB`.' },
  { key: 'queueWaitSeconds', type: 'int', default: 5, env: 'WAHOOK_QUEUE_WAIT_SECONDS', min: 1, max: 20, doc: 'Long-poll wait of the worker\'s ReceiveMessage. Longer costs fewer requests when idle (at 5 s an idle worker stays inside SQS\'s free million requests a month); shorter lets handler retries and a stop go sooner, since the worker runs jobs between polls.' },
];

export const SPEC_BY_KEY: ReadonlyMap<string, KeySpec> = new Map(SCHEMA.map((s) => [s.key, s]));
