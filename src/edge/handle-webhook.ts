import { asGatewayError, declaredTooLarge, errorResponse, RECEIVED, readyResponse, refusedRouteName, startRequest, type EdgeResponse } from '../core/edge-request.js';
import { GatewayError, type ErrorCode } from '../core/errors.js';
import { acceptDelivery, type Headers, type ReceiveOptions } from '../core/receive.js';
import type { DeliveryStore } from '../ports/delivery-log.js';

/** A whole request, as a host that receives the body in one piece (a Lambda event, a test) has it. */
export interface WebhookRequest {
  readonly method: string;
  readonly path: string;
  /** The raw query string, without `?`. */
  readonly query: string;
  /** Lower-case header names. */
  readonly headers: Headers;
  readonly rawBody: Uint8Array | null;
  /** The caller's address as the front door reports it (the source allowlist judges it); undefined when unknown. */
  readonly peer?: string;
}

export interface HandledRequest {
  readonly response: EdgeResponse;
  /** The route name for telemetry (`webhook`, `handshake`, `readyz`, …). */
  readonly route: string;
  readonly code?: ErrorCode;
  readonly duplicate?: boolean;
}

export interface HandleDeps {
  readonly store: DeliveryStore;
  readonly opts: ReceiveOptions;
  readonly bodyLimitBytes: number;
  readonly now: () => number;
}

function refused(e: unknown, route: string, store: DeliveryStore): HandledRequest {
  const err = asGatewayError(e);
  if (route === 'webhook') store.recordRejection(err.code);
  return { response: errorResponse(err), route, code: err.code };
}

/**
 * The request lifecycle for hosts that hold the whole body: route, check,
 * store, answer. The answer to a webhook is 200 only once the store has the
 * delivery durably. The node:http server runs the same steps while it
 * streams the body.
 *
 * @example const { response } = await handleWebhook({ method: 'POST', path: '/webhook', query: '', headers, rawBody }, deps);
 */
export async function handleWebhook(req: WebhookRequest, deps: HandleDeps): Promise<HandledRequest> {
  let step;
  try {
    step = startRequest(req.method, req.path, req.query, req.headers, deps.opts, req.peer);
  } catch (e) {
    return refused(e, refusedRouteName(req.method, req.path), deps.store);
  }
  switch (step.kind) {
    case 'respond':
      return { response: step.response, route: step.route, ...(step.code ? { code: step.code } : {}) };
    case 'ready':
      try {
        await deps.store.ping();
        return { response: readyResponse(false), route: 'readyz' };
      } catch (e) {
        return refused(e, 'readyz', deps.store);
      }
    case 'other':
      return refused(new GatewayError('WAHOOK_ERR_HTTP_NOT_FOUND'), 'other', deps.store);
    case 'receive': {
      const body = req.rawBody ?? new Uint8Array(0);
      const length = req.headers['content-length'];
      if (body.length > deps.bodyLimitBytes || declaredTooLarge(Array.isArray(length) ? length[0] : length, deps.bodyLimitBytes)) {
        return refused(new GatewayError('WAHOOK_ERR_HTTP_BODY_TOO_LARGE'), 'webhook', deps.store);
      }
      try {
        const r = await deps.store.append(acceptDelivery(step.route, req.headers, body, deps.opts, deps.now()));
        return { response: RECEIVED, route: 'webhook', duplicate: r.duplicate };
      } catch (e) {
        return refused(e, 'webhook', deps.store);
      }
    }
  }
}
