import { GatewayError, isGatewayError, type ErrorCode } from './errors.js';
import { verifyHandshake } from './handshake.js';
import { assertSourceAllowed } from './source-policy.js';
import { routeRequest, type Headers, type ReceiveOptions, type Route } from './receive.js';

/**
 * The request lifecycle every entry point shares (node:http, a Lambda
 * function URL, API Gateway, ALB): which route, what to answer, and when a
 * body must be read and stored first. Pure: the host reads bytes, calls the
 * store and writes the answer.
 */

export interface EdgeResponse {
  readonly status: number;
  readonly headers: Readonly<Record<string, string>>;
  readonly body: string;
}

export type WebhookRoute = Extract<Route, { kind: 'webhook' }>;

/** What a request needs next, decided from its head alone, before any body byte is read. */
export type EdgeStep =
  | { readonly kind: 'respond'; readonly route: string; readonly response: EdgeResponse; readonly code?: ErrorCode }
  /** Read the body, then `acceptDelivery` and store it: answer `RECEIVED` once durable. */
  | { readonly kind: 'receive'; readonly route: WebhookRoute }
  /** Answer `readyResponse` after a real write to the store. */
  | { readonly kind: 'ready' }
  /** Served outside the receiving edge (metrics, dashboard, admin API). */
  | { readonly kind: 'other'; readonly route: Route };

export function jsonResponse(status: number, body: string): EdgeResponse {
  return { status, headers: { 'content-type': 'application/json', 'content-length': String(Buffer.byteLength(body)) }, body };
}

/** The 200 of a durably stored delivery. */
export const RECEIVED: EdgeResponse = jsonResponse(200, '{"status":"received"}');
const HEALTHY: EdgeResponse = jsonResponse(200, '{"status":"ok"}');
const READY: EdgeResponse = jsonResponse(200, '{"status":"ready"}');
const DRAINING: EdgeResponse = jsonResponse(503, '{"status":"draining"}');

/** Any failure as the error the caller sees; what is not a GatewayError is an internal error. */
export function asGatewayError(e: unknown): GatewayError {
  return isGatewayError(e) ? e : new GatewayError('WAHOOK_ERR_INTERNAL', undefined, { cause: e });
}

/**
 * Refusals that say when to come back: a full body budget is momentary, and a sender that waits a second is
 * served; a full disk waits for someone to free space, so a sender is asked to come back less often.
 */
const RETRY_AFTER_S: Partial<Record<ErrorCode, string>> = { WAHOOK_ERR_HTTP_BODY_BUDGET: '1', WAHOOK_ERR_DISK_FULL: '30' };

export function errorResponse(e: GatewayError): EdgeResponse {
  const r = jsonResponse(e.httpStatus, JSON.stringify(e.toBody()));
  const after = RETRY_AFTER_S[e.code];
  return after === undefined ? r : { ...r, headers: { ...r.headers, 'retry-after': after } };
}

export function readyResponse(draining: boolean): EdgeResponse {
  return draining ? DRAINING : READY;
}

/** The route name telemetry and error counts use for a request that was refused before routing. */
export function refusedRouteName(method: string, path: string): 'webhook' | 'other' {
  return method === 'POST' && (path === '/webhook' || path.startsWith('/webhook/')) ? 'webhook' : 'other';
}

/**
 * Decides a request from its head. Throws a GatewayError for a refusal
 * (403/404/405/415/…); the host answers it with `errorResponse`. `peer` is
 * the address of the connection's other end (or the front door's word for
 * the caller), which the source allowlist judges; a host that does not know
 * it passes undefined, and an allowlist then refuses.
 *
 * @example startRequest('GET', '/webhook', 'hub.mode=subscribe&hub.verify_token=t&hub.challenge=42', {}, opts)
 * // { kind: 'respond', route: 'handshake', response: { status: 200, body: '42', … } }
 */
export function startRequest(method: string, path: string, query: string, headers: Headers, opts: ReceiveOptions, peer?: string): EdgeStep {
  // Before routing: a sender outside the allowlist learns nothing, not even which tenants exist.
  if (opts.sources !== undefined && refusedRouteName(method, path) === 'webhook') assertSourceAllowed(peer, headers, opts.sources);
  const route = routeRequest(method, path, headers, opts);
  switch (route.kind) {
    case 'webhook':
      return { kind: 'receive', route };
    case 'handshake': {
      const r = verifyHandshake(new URLSearchParams(query), route.tenant.verifyToken);
      if (!r.ok) return { kind: 'respond', route: 'handshake', response: errorResponse(new GatewayError('WAHOOK_ERR_HANDSHAKE_REJECTED')), code: 'WAHOOK_ERR_HANDSHAKE_REJECTED' };
      const response = { status: 200, headers: { 'content-type': 'text/plain; charset=utf-8' }, body: r.challenge };
      return { kind: 'respond', route: 'handshake', response };
    }
    case 'healthz':
      return { kind: 'respond', route: 'healthz', response: HEALTHY };
    case 'readyz':
      return { kind: 'ready' };
    default:
      return { kind: 'other', route };
  }
}

/** A declared body length over the limit is refused before a byte of it is read. */
export function declaredTooLarge(contentLength: string | undefined, limit: number): boolean {
  return Number(contentLength) > limit;
}
