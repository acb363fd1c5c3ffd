import { isUtf8 } from 'node:buffer';
import { GatewayError } from './errors.js';
import { checkEnvelope, type EnvelopeScan } from './envelope.js';
import type { Provider } from './events.js';
import { constantTimeEqual, verifyCloudApi } from './signature.js';
import type { NewDelivery } from './delivery.js';
import type { SourcePolicy } from './source-policy.js';
import type { TenantConfig } from './tenant.js';

/**
 * The whole receiving decision, shared by every entry point (node:http today,
 * a Lambda function URL tomorrow). Split in two so the server can refuse a
 * request (404/405/415, and 401 when its signature header is missing or is a
 * wrong WASender secret) before reading a single body byte.
 */

export type Headers = Readonly<Record<string, string | string[] | undefined>>;

export type Route =
  | {
      readonly kind: 'webhook';
      readonly provider: Provider;
      readonly tenant: TenantConfig;
      /** Set by `routeRequest` once a WASender request's secret header has matched, so `acceptDelivery` need not compare it again. */
      readonly headerVerified?: true;
    }
  | { readonly kind: 'handshake'; readonly tenant: TenantConfig }
  | { readonly kind: 'healthz' | 'readyz' | 'metrics' | 'dashboard' }
  | { readonly kind: 'admin'; readonly name: string };

export interface ReceiveOptions {
  readonly tenants: Readonly<Record<string, TenantConfig>>;
  readonly insecureSkipSignature: boolean;
  /** Trusted proxies and the allowlist of delivery senders; absent: no allowlist. */
  readonly sources?: SourcePolicy;
  /**
   * A scan of the body's bytes that spares JSON.parse when it is sure (envelope-scan.ts). A server receiving
   * many deliveries gains by it; a function handling one delivery per start would spend more compiling it.
   * Absent: JSON.parse alone, which gives the same answers.
   */
  readonly scanEnvelope?: EnvelopeScan;
}

const JSON_TYPE = 'application/json';
const JSON_TYPES = /^application\/json\s*(;|$)/i;

const SIMPLE: Record<string, Route['kind']> = { '/healthz': 'healthz', '/readyz': 'readyz', '/metrics': 'metrics', '/dashboard': 'dashboard' };

function tenantOf(name: string, opts: ReceiveOptions): TenantConfig {
  // Own keys only: `/webhook/constructor` must be an unknown tenant, not Object.prototype.constructor.
  if (!Object.hasOwn(opts.tenants, name)) throw new GatewayError('WAHOOK_ERR_TENANT_UNKNOWN');
  return opts.tenants[name]!;
}

/** A malformed escape in the path is an unknown route, not a server error. */
function segment(raw: string): string {
  try {
    return decodeURIComponent(raw);
  } catch {
    throw new GatewayError('WAHOOK_ERR_HTTP_NOT_FOUND');
  }
}

function header(headers: Headers, name: string): string | undefined {
  const v = headers[name];
  return Array.isArray(v) ? v[0] : v;
}

/**
 * @example
 * routeRequest('POST', '/webhook/acme/wasender', headers, opts)
 * // { kind: 'webhook', provider: 'wasender', tenant: { name: 'acme', … } }
 */
export function routeRequest(method: string, path: string, headers: Headers, opts: ReceiveOptions): Route {
  const clean = path.length > 1 && path.endsWith('/') ? path.slice(0, -1) : path;
  const simple = SIMPLE[clean];
  if (simple !== undefined) {
    if (method !== 'GET' && method !== 'HEAD') throw new GatewayError('WAHOOK_ERR_HTTP_METHOD');
    return { kind: simple } as Route;
  }
  if (clean.startsWith('/api/')) {
    if (method !== 'GET' && method !== 'POST') throw new GatewayError('WAHOOK_ERR_HTTP_METHOD');
    return { kind: 'admin', name: clean.slice(5) };
  }
  const parts = clean.split('/');
  if (parts[1] !== 'webhook' || parts.length > 4) throw new GatewayError('WAHOOK_ERR_HTTP_NOT_FOUND');
  let tenantName = 'default';
  let provider: Provider = 'cloud_api';
  if (parts.length === 3) {
    if (parts[2] === 'wasender') provider = 'wasender';
    else tenantName = segment(parts[2]!);
  } else if (parts.length === 4) {
    if (parts[3] !== 'wasender') throw new GatewayError('WAHOOK_ERR_HTTP_NOT_FOUND');
    tenantName = segment(parts[2]!);
    provider = 'wasender';
  }
  if (method === 'GET' && provider === 'cloud_api') return { kind: 'handshake', tenant: tenantOf(tenantName, opts) };
  if (method !== 'POST') throw new GatewayError('WAHOOK_ERR_HTTP_METHOD');
  const tenant = tenantOf(tenantName, opts);
  if (!opts.insecureSkipSignature) {
    const configured = provider === 'cloud_api' ? tenant.appSecrets.length > 0 : tenant.wasenderSecret !== undefined;
    if (!configured) throw new GatewayError('WAHOOK_ERR_PROVIDER_NOT_CONFIGURED');
  }
  const type = header(headers, 'content-type');
  if (type !== JSON_TYPE && (type === undefined || !JSON_TYPES.test(type))) throw new GatewayError('WAHOOK_ERR_HTTP_MEDIA_TYPE');
  if (opts.insecureSkipSignature) return { kind: 'webhook', provider, tenant };
  // What can be refused from the head is refused before a byte of the body is read or held:
  // a Cloud API request without its signature, and a WASender request whose header (the secret itself) is wrong.
  if (provider === 'cloud_api') {
    const sig = header(headers, 'x-hub-signature-256');
    if (sig === undefined || sig === '') throw new GatewayError('WAHOOK_ERR_SIGNATURE_MISSING');
    return { kind: 'webhook', provider, tenant };
  }
  checkWasenderHeader(headers, tenant);
  return { kind: 'webhook', provider, tenant, headerVerified: true };
}

// WASender's header is the shared secret itself, so it is compared but never stored.
function checkWasenderHeader(headers: Headers, tenant: TenantConfig): void {
  const sig = header(headers, 'x-webhook-signature');
  if (sig === undefined || sig === '') throw new GatewayError('WAHOOK_ERR_SIGNATURE_MISSING');
  if (!constantTimeEqual(sig, tenant.wasenderSecret ?? '')) throw new GatewayError('WAHOOK_ERR_SIGNATURE_INVALID');
}

/** A Cloud API signature check the host fed while the body arrived (see BodyHmac). */
export interface StreamedSignature {
  matches(header: string | undefined): boolean;
}

/**
 * Verify first, parse second: nothing of an unauthenticated body is parsed.
 * A verified body must be UTF-8 before it is read as JSON.
 * Returns the delivery to store; throws a GatewayError for a 4xx answer.
 * `streamed`, when the host hashed a Cloud API body as it arrived, gives the
 * verdict in place of hashing `body` here.
 *
 * @example
 * const delivery = acceptDelivery(route, req.headers, body, opts, Date.now());
 */
export function acceptDelivery(
  route: Extract<Route, { kind: 'webhook' }>,
  headers: Headers,
  body: Uint8Array,
  opts: ReceiveOptions,
  now: number,
  streamed?: StreamedSignature,
): NewDelivery {
  const kept: Record<string, string> = {};
  if (route.provider === 'cloud_api') {
    const sig = header(headers, 'x-hub-signature-256');
    if (!opts.insecureSkipSignature) {
      if (sig === undefined || sig === '') throw new GatewayError('WAHOOK_ERR_SIGNATURE_MISSING');
      const ok = streamed !== undefined ? streamed.matches(sig) : verifyCloudApi(body, sig, route.tenant.appSecrets);
      if (!ok) throw new GatewayError('WAHOOK_ERR_SIGNATURE_INVALID');
    }
    if (sig !== undefined) kept['x-hub-signature-256'] = sig;
  } else if (!opts.insecureSkipSignature && route.headerVerified !== true) {
    checkWasenderHeader(headers, route.tenant);
  }
  // JSON.parse would read an invalid sequence as U+FFFD, so such a body was stored as it came and every reader
  // downstream saw other text than the sender signed. Checked after the signature, as the JSON checks are.
  if (!isUtf8(body)) throw new GatewayError('WAHOOK_ERR_PAYLOAD_NOT_UTF8');
  checkEnvelope(route.provider, body, opts.scanEnvelope);
  const type = header(headers, 'content-type');
  if (type !== undefined) kept['content-type'] = type;
  return {
    tenant: route.tenant.name,
    provider: route.provider,
    receivedAt: now,
    body,
    headers: kept,
  };
}
