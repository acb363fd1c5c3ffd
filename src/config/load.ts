import { GatewayError } from '../core/errors.js';
import { isLoopbackHost } from '../core/loopback.js';
import { queueKind } from '../core/queue-url.js';
import { sourcePolicy } from '../core/source-policy.js';
import { SCHEMA, SPEC_BY_KEY, type KeySpec } from './schema.js';

/**
 * The only reader of the environment. Layers, highest first:
 * flags, environment, config file, development secrets, defaults.
 * The result is validated once and deep-frozen.
 */

import type { TenantConfig } from '../core/tenant.js';
import { httpUrl, mediaConfig, type MediaConfig } from './media.js';

export type { TenantConfig } from '../core/tenant.js';

export interface WorkerConfig {
  readonly enabled: boolean;
  readonly batchSize: number;
  readonly concurrency: number;
  readonly maxAttempts: number;
  readonly backoffBaseMs: number;
  readonly backoffMaxMs: number;
  readonly pollMs: number;
  readonly handlerTimeoutMs: number;
}

export interface RetentionConfig {
  /** 0: kept forever. */
  readonly deliveriesDays: number;
  /** 0: kept forever. */
  readonly eventsDays: number;
  readonly intervalMs: number;
}

export interface Config {
  readonly host: string;
  readonly port: number;
  readonly engine: 'sqlite' | 'postgres' | 'dynamodb';
  readonly databaseUrl?: string;
  readonly dbSchema: string;
  readonly dbPoolMax: number;
  readonly processes: number;
  readonly dataDir: string;
  readonly insecureSkipSignature: boolean;
  readonly insecureSkipSignatureBeyondLoopback: boolean;
  readonly dev: boolean;
  readonly bodyLimitBytes: number;
  readonly unverifiedBodyBudgetBytes: number;
  readonly maxConnections: number;
  readonly headersTimeoutMs: number;
  readonly requestTimeoutMs: number;
  readonly keepAliveTimeoutMs: number;
  readonly storeBusyTimeoutMs: number;
  readonly storeMinFreeMb: number;
  readonly storeWriter: 'auto' | 'thread' | 'inline';
  readonly shutdownTimeoutMs: number;
  readonly logLevel: string;
  readonly worker: WorkerConfig;
  readonly handlers?: string;
  readonly forwardUrl?: string;
  readonly forwardSecret?: string;
  readonly forwardTimeoutMs: number;
  readonly adminToken?: string;
  /** PEM files; both or neither (checked in loadConfig). */
  readonly tlsCert?: string;
  readonly tlsKey?: string;
  readonly trustedProxies: readonly string[];
  readonly webhookAllowCidrs: readonly string[];
  readonly metricsRequireToken: boolean;
  readonly telemetryRetentionDays: number;
  readonly retention: RetentionConfig;
  /** The delivery log is this queue (see `queueKind`), whatever the engine. */
  readonly queueUrl?: string;
  readonly largeDeliveryBucket?: string;
  readonly queueWaitSeconds: number;
  readonly queueDurability: 'strict' | 'relaxed';
  readonly queueMaxDeliveries: number;
  readonly dynamodbTablePrefix?: string;
  readonly media: MediaConfig;
  /** Keyed by tenant name; `default` is served at /webhook. */
  readonly tenants: Readonly<Record<string, TenantConfig>>;
  readonly configFile?: string;
}

export type Layer = Readonly<Record<string, unknown>>;

export interface ConfigSources {
  /** Parsed flags, keyed by flag name (`data-dir`), values as given. */
  readonly flags?: Layer;
  readonly env?: Readonly<Record<string, string | undefined>>;
  /** Parsed JSON of the config file, if any. */
  readonly file?: unknown;
  readonly configFile?: string;
  /** Generated development secrets (see `--dev`). */
  readonly dev?: Layer;
}

export const DEFAULT_TENANT = 'default';
/** Path segments that cannot be tenant names because routes use them. */
const RESERVED = new Set(['wasender']);
const TENANT_NAME = /^[a-z0-9][a-z0-9_-]{0,62}$/i;

function invalid(key: string, why: string): GatewayError {
  return new GatewayError('WAHOOK_ERR_CONFIG_INVALID', `Invalid config key "${key}": ${why}`);
}

export function coerce(spec: KeySpec, raw: unknown, origin: string): unknown {
  const where = `${spec.key}${origin}`;
  switch (spec.type) {
    case 'string':
      if (typeof raw !== 'string') throw invalid(where, 'expected a string');
      if (spec.oneOf && !spec.oneOf.includes(raw)) throw invalid(where, `expected one of ${spec.oneOf.join(', ')}`);
      return raw;
    case 'int': {
      const n = typeof raw === 'number' ? raw : typeof raw === 'string' && /^-?\d+$/.test(raw.trim()) ? Number(raw) : NaN;
      if (!Number.isSafeInteger(n)) throw invalid(where, 'expected an integer');
      if (spec.min !== undefined && n < spec.min) throw invalid(where, `must be at least ${spec.min}`);
      if (spec.max !== undefined && n > spec.max) throw invalid(where, `must be at most ${spec.max}`);
      return n;
    }
    case 'bool':
      if (typeof raw === 'boolean') return raw;
      if (raw === 'true' || raw === '1' || raw === 'on' || raw === 'yes') return true;
      if (raw === 'false' || raw === '0' || raw === 'off' || raw === 'no') return false;
      throw invalid(where, 'expected true or false');
    case 'list': {
      const items = Array.isArray(raw) ? raw : typeof raw === 'string' ? raw.split(',') : null;
      if (items === null || items.some((s) => typeof s !== 'string')) throw invalid(where, 'expected a comma-separated list');
      return (items as string[]).map((s) => s.trim()).filter((s) => s !== '');
    }
  }
}

function flatten(obj: unknown, prefix = '', out: Record<string, unknown> = {}): Record<string, unknown> {
  if (typeof obj !== 'object' || obj === null || Array.isArray(obj)) return out;
  for (const [k, v] of Object.entries(obj)) {
    const key = prefix + k;
    if (SPEC_BY_KEY.has(key)) out[key] = v;
    else if (typeof v === 'object' && v !== null && !Array.isArray(v) && key !== 'tenants') flatten(v, `${key}.`, out);
    else if (key !== 'tenants') out[key] = v;
  }
  return out;
}

function resolveValues(src: ConfigSources): Record<string, unknown> {
  const fileValues = flatten(src.file);
  for (const key of Object.keys(fileValues)) {
    if (!SPEC_BY_KEY.has(key)) throw invalid(key, `unknown key in ${src.configFile ?? 'config file'}`);
  }
  const values: Record<string, unknown> = {};
  for (const spec of SCHEMA) {
    const flag = spec.flag !== undefined ? src.flags?.[spec.flag] : undefined;
    const env = spec.env !== undefined ? src.env?.[spec.env] : undefined;
    let raw: unknown;
    let origin = '';
    if (flag !== undefined) { raw = flag; origin = ` (flag --${spec.flag})`; }
    else if (env !== undefined && env !== '') { raw = env; origin = ` (env ${spec.env})`; }
    else if (fileValues[spec.key] !== undefined) { raw = fileValues[spec.key]; origin = ' (config file)'; }
    else if (src.dev?.[spec.key] !== undefined) raw = src.dev[spec.key];
    else {
      // A default is valid by construction (a test coerces each one), so only given values are checked.
      values[spec.key] = spec.default;
      continue;
    }
    values[spec.key] = coerce(spec, raw, origin);
  }
  return values;
}

function optionalString(v: unknown, key: string): string | undefined {
  if (v === undefined) return undefined;
  if (typeof v !== 'string' || v === '') throw invalid(key, 'expected a non-empty string');
  return v;
}

/** The config file's `tenants` section. */
function fileTenants(raw: unknown): Record<string, TenantConfig> {
  if (typeof raw !== 'object' || raw === null || Array.isArray(raw)) throw invalid('tenants', 'expected an object keyed by tenant name');
  const tenants: Record<string, TenantConfig> = {};
  for (const [name, t] of Object.entries(raw)) {
    const key = `tenants.${name}`;
    if (!TENANT_NAME.test(name) || RESERVED.has(name)) throw invalid(key, 'tenant names are 1-63 letters, digits, _ or -, and not "wasender"');
    if (typeof t !== 'object' || t === null) throw invalid(key, 'expected an object');
    const o = t as Record<string, unknown>;
    const secrets = o.appSecrets ?? o.appSecret;
    const appSecrets = coerce({ key: `${key}.appSecrets`, type: 'list' }, secrets ?? [], '') as string[];
    const graphUrl = optionalString(o.graphUrl, `${key}.graphUrl`);
    tenants[name] = {
      name,
      appSecrets,
      verifyToken: optionalString(o.verifyToken, `${key}.verifyToken`),
      wasenderSecret: optionalString(o.wasenderSecret, `${key}.wasenderSecret`),
      accessToken: optionalString(o.accessToken, `${key}.accessToken`),
      graphUrl: graphUrl === undefined ? undefined : httpUrl(graphUrl, `${key}.graphUrl`),
      graphVersion: optionalString(o.graphVersion, `${key}.graphVersion`),
      wasenderApiKey: optionalString(o.wasenderApiKey, `${key}.wasenderApiKey`),
    };
  }
  return tenants;
}

function parseTenants(file: unknown, values: Record<string, unknown>): Record<string, TenantConfig> {
  const raw = (file as { tenants?: unknown } | undefined)?.tenants;
  const tenants = raw === undefined ? {} : fileTenants(raw);
  const appSecrets = values.appSecrets as string[];
  const envTenant = appSecrets.length > 0 || values.verifyToken !== undefined || values.wasenderSecret !== undefined || values.accessToken !== undefined || values.wasenderApiKey !== undefined;
  if (envTenant || Object.keys(tenants).length === 0) {
    const base = tenants[DEFAULT_TENANT];
    tenants[DEFAULT_TENANT] = {
      name: DEFAULT_TENANT,
      appSecrets: appSecrets.length > 0 ? appSecrets : (base?.appSecrets ?? []),
      verifyToken: (values.verifyToken as string | undefined) ?? base?.verifyToken,
      wasenderSecret: (values.wasenderSecret as string | undefined) ?? base?.wasenderSecret,
      accessToken: (values.accessToken as string | undefined) ?? base?.accessToken,
      graphUrl: base?.graphUrl,
      graphVersion: base?.graphVersion,
      wasenderApiKey: (values.wasenderApiKey as string | undefined) ?? base?.wasenderApiKey,
    };
  }
  // A tenant without its own Graph API base and version uses the top-level ones.
  const graphUrl = httpUrl(values.graphUrl as string, 'graphUrl');
  for (const [name, t] of Object.entries(tenants)) tenants[name] = { ...t, graphUrl: t.graphUrl ?? graphUrl, graphVersion: t.graphVersion ?? (values.graphVersion as string) };
  return tenants;
}

function deepFreeze<T>(o: T): T {
  if (typeof o === 'object' && o !== null && !Object.isFrozen(o)) {
    Object.freeze(o);
    for (const v of Object.values(o)) deepFreeze(v);
  }
  return o;
}

/**
 * @example
 * const config = loadConfig({ flags: { port: '0' }, env: process.env });
 * config.port // 0
 */
export function loadConfig(src: ConfigSources): Config {
  const v = resolveValues(src);
  const tenants = parseTenants(src.file, v);
  const config: Config = {
    host: v.host as string,
    port: v.port as number,
    // A table prefix is the DynamoDB engine's whole configuration, and a database URL PostgreSQL's, so giving one selects it.
    engine: (v.engine ?? (v.dynamodbTablePrefix !== undefined ? 'dynamodb' : v.databaseUrl !== undefined ? 'postgres' : 'sqlite')) as Config['engine'],
    databaseUrl: optionalString(v.databaseUrl, 'databaseUrl'),
    dbSchema: v.dbSchema as string,
    dbPoolMax: v.dbPoolMax as number,
    processes: v.processes as number,
    dataDir: v.dataDir as string,
    insecureSkipSignature: v.insecureSkipSignature as boolean,
    insecureSkipSignatureBeyondLoopback: v.insecureSkipSignatureBeyondLoopback as boolean,
    dev: v.dev as boolean,
    bodyLimitBytes: v.bodyLimitBytes as number,
    unverifiedBodyBudgetBytes: v.unverifiedBodyBudgetBytes as number,
    maxConnections: v.maxConnections as number,
    headersTimeoutMs: v.headersTimeoutMs as number,
    requestTimeoutMs: v.requestTimeoutMs as number,
    keepAliveTimeoutMs: v.keepAliveTimeoutMs as number,
    storeBusyTimeoutMs: v.storeBusyTimeoutMs as number,
    storeMinFreeMb: v.storeMinFreeMb as number,
    storeWriter: v.storeWriter as Config['storeWriter'],
    shutdownTimeoutMs: v.shutdownTimeoutMs as number,
    logLevel: v.logLevel as string,
    worker: {
      enabled: v['worker.enabled'] as boolean,
      batchSize: v['worker.batchSize'] as number,
      concurrency: v['worker.concurrency'] as number,
      maxAttempts: v['worker.maxAttempts'] as number,
      backoffBaseMs: v['worker.backoffBaseMs'] as number,
      backoffMaxMs: v['worker.backoffMaxMs'] as number,
      pollMs: v['worker.pollMs'] as number,
      handlerTimeoutMs: v['worker.handlerTimeoutMs'] as number,
    },
    handlers: v.handlers as string | undefined,
    forwardUrl: v.forwardUrl as string | undefined,
    forwardSecret: v.forwardSecret as string | undefined,
    forwardTimeoutMs: v.forwardTimeoutMs as number,
    adminToken: v.adminToken as string | undefined,
    tlsCert: v.tlsCert as string | undefined,
    tlsKey: v.tlsKey as string | undefined,
    trustedProxies: v.trustedProxies as string[],
    webhookAllowCidrs: v.webhookAllowCidrs as string[],
    metricsRequireToken: v.metricsRequireToken as boolean,
    telemetryRetentionDays: v.telemetryRetentionDays as number,
    retention: {
      deliveriesDays: v['retention.deliveriesDays'] as number,
      eventsDays: v['retention.eventsDays'] as number,
      intervalMs: v['retention.intervalMs'] as number,
    },
    queueUrl: v.queueUrl as string | undefined,
    largeDeliveryBucket: v.largeDeliveryBucket as string | undefined,
    queueWaitSeconds: v.queueWaitSeconds as number,
    queueDurability: v.queueDurability as Config['queueDurability'],
    queueMaxDeliveries: v.queueMaxDeliveries as number,
    dynamodbTablePrefix: v.dynamodbTablePrefix as string | undefined,
    media: mediaConfig(v, v.dataDir as string, tenants),
    tenants,
    configFile: src.configFile,
  };
  if (config.unverifiedBodyBudgetBytes < config.bodyLimitBytes) {
    throw invalid('unverifiedBodyBudgetBytes', `must be at least bodyLimitBytes (${config.bodyLimitBytes}), or a body of the largest accepted size could never be received`);
  }
  if (config.headersTimeoutMs > config.requestTimeoutMs) {
    throw invalid('headersTimeoutMs', `must not exceed requestTimeoutMs (${config.requestTimeoutMs})`);
  }
  if (config.engine === 'postgres' && config.databaseUrl === undefined) throw invalid('databaseUrl', 'the postgres engine needs a database URL (--database-url or DATABASE_URL)');
  if (!/^[a-z_][a-z0-9_]{0,62}$/.test(config.dbSchema)) throw invalid('dbSchema', 'expected a plain lower-case identifier');
  if (config.forwardUrl !== undefined) {
    if (!/^https?:\/\//.test(config.forwardUrl)) throw invalid('forwardUrl', 'expected an http(s) URL');
    if (config.forwardSecret === undefined || !/^whsec_[A-Za-z0-9+/=]+$/.test(config.forwardSecret)) {
      throw invalid('forwardSecret', 'forwarding needs a secret of the form whsec_<base64>');
    }
  }
  if ((config.tlsCert === undefined) !== (config.tlsKey === undefined)) {
    throw invalid(config.tlsCert === undefined ? 'tlsCert' : 'tlsKey', 'HTTPS needs both a certificate and its key (--tls-cert and --tls-key)');
  }
  // Parsed here only to refuse a malformed range at start; each host builds its policy from the lists.
  if (config.trustedProxies.length > 0 || config.webhookAllowCidrs.length > 0) sourcePolicy(config.trustedProxies, config.webhookAllowCidrs);
  if (config.engine === 'dynamodb' && config.dynamodbTablePrefix === undefined) throw invalid('dynamodbTablePrefix', 'the dynamodb engine needs WAHOOK_DYNAMODB_TABLE_PREFIX');
  if (config.queueUrl !== undefined && queueKind(config.queueUrl) === null) {
    throw invalid('queueUrl', 'expected sqs://<host>/<account id>/<queue name>, an https://sqs.… queue URL, or redis://[user:password@]host[:port][/db][?key=<prefix>&group=<name>] (rediss:// for TLS)');
  }
  return deepFreeze(config);
}

/**
 * Serving rule: every tenant needs a way to authenticate its deliveries,
 * unless the operator explicitly opts out. Opting out turns off every
 * tenant's check, so beyond loopback it takes a second, explicit flag: one
 * development flag left in a deployment must not open a public gateway.
 */
export function assertServable(config: Config, listensOn: string | null = config.host): void {
  if (config.insecureSkipSignature) {
    // `null`: no address of its own (a Lambda's URL), so whoever can reach the URL can deliver, whatever `host` says.
    if ((listensOn === null || !isLoopbackHost(listensOn)) && !config.insecureSkipSignatureBeyondLoopback) {
      throw invalid(
        'insecureSkipSignature',
        listensOn === null
          ? 'a receiving function answers whoever can reach its URL, whatever host says; also set insecureSkipSignatureBeyondLoopback if every tenant\'s check is meant to be off'
          : `refused on host ${listensOn}, which other machines can reach: listen on 127.0.0.1, or also pass --insecure-skip-signature-beyond-loopback`,
      );
    }
    return;
  }
  for (const t of Object.values(config.tenants)) {
    if (t.appSecrets.length === 0 && t.wasenderSecret === undefined) {
      const key = t.name === DEFAULT_TENANT ? 'appSecrets (env WAHOOK_APP_SECRET)' : `tenants.${t.name}.appSecrets`;
      throw invalid(key, 'no app secret configured; set one, use --dev, or pass --insecure-skip-signature');
    }
  }
}

/** The effective config with every secret replaced, for `wahook config print`. */
export function redactConfig(config: Config): unknown {
  const mask = (s: unknown): unknown => (s === undefined ? undefined : Array.isArray(s) ? s.map(() => '[redacted]') : '[redacted]');
  return {
    ...config,
    forwardSecret: mask(config.forwardSecret),
    adminToken: mask(config.adminToken),
    tenants: Object.fromEntries(
      Object.entries(config.tenants).map(([n, t]) => [
        n,
        {
          name: t.name, appSecrets: mask(t.appSecrets), verifyToken: mask(t.verifyToken), wasenderSecret: mask(t.wasenderSecret),
          accessToken: mask(t.accessToken), graphUrl: t.graphUrl, graphVersion: t.graphVersion, wasenderApiKey: mask(t.wasenderApiKey),
        },
      ]),
    ),
  };
}
