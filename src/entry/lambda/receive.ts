import { asGatewayError, errorResponse } from '../../core/edge-request.js';
import { handleWebhook } from '../../edge/handle-webhook.js';
import type { ReceiveContainer } from './container.js';
import { fromLambdaEvent, toLambdaResult, type LambdaHttpRequest, type LambdaHttpResult } from './http-event.js';
import { logLine } from './log.js';
import { containerGetter } from './restartable.js';

export type ReceiveHandler = (event: unknown) => Promise<LambdaHttpResult>;

/**
 * The receiving function: the server's request path behind any HTTP front
 * door of a Lambda. The same handshake, checks, error codes and bodies; a
 * 200 only once the delivery is queued.
 * @example export const handler = createReceiveHandler(restartable(() => startReceiveContainer(process.env)));
 */
export function createReceiveHandler(container: Promise<ReceiveContainer> | (() => Promise<ReceiveContainer>)): ReceiveHandler {
  // A container that failed to start answers every request with its error rather than crashing the runtime.
  const ready = containerGetter(container);
  return async (event) => {
    let http: LambdaHttpRequest;
    try {
      http = fromLambdaEvent(event);
    } catch (e) {
      const err = asGatewayError(e);
      logLine('warn', 'refused', { code: err.code });
      return toLambdaResult('http-api', errorResponse(err));
    }
    let c: ReceiveContainer;
    try {
      c = await ready();
    } catch (e) {
      const err = asGatewayError(e);
      logLine('error', 'not configured', { code: err.code, error: err.message });
      return toLambdaResult(http.source, errorResponse(err));
    }
    const handled = await handleWebhook(http.request, c.deps);
    if (handled.code !== undefined) logLine(handled.response.status >= 500 ? 'error' : 'warn', 'refused', { code: handled.code, route: handled.route, source: http.source });
    return toLambdaResult(http.source, handled.response);
  };
}
