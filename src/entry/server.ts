import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { Logger } from 'pino';
import type { Config } from '../config/load.js';
import { GatewayError, isGatewayError } from '../core/errors.js';
import { verifyHandshake } from '../core/handshake.js';
import { acceptDelivery, routeRequest, type ReceiveOptions, type Route } from '../core/receive.js';
import type { DeliveryStore } from '../ports/delivery-store.js';
import { NO_TELEMETRY, type Telemetry } from '../ports/telemetry.js';

/** Routes served outside the receiving edge (metrics, dashboard, admin API). */
export type ExtraHandler = (route: Route, req: IncomingMessage, res: ServerResponse) => void | Promise<void>;

export interface GatewayServerDeps {
  readonly config: Config;
  readonly store: DeliveryStore;
  readonly logger: Logger;
  readonly telemetry?: Telemetry;
  readonly extra?: ExtraHandler;
}

export interface GatewayServer {
  readonly server: Server;
  listen(): Promise<{ host: string; port: number }>;
  /** Stops accepting, finishes in-flight requests and commits, closes the store. */
  shutdown(): Promise<void>;
}

// A string body lets node send status line, headers and body in one write (a Buffer body costs a writev).
const RECEIVED = '{"status":"received"}';

export function sendJson(res: ServerResponse, status: number, body: Buffer | string): void {
  res.writeHead(status, { 'content-type': 'application/json', 'content-length': Buffer.byteLength(body) });
  res.end(body);
}

export function sendError(res: ServerResponse, e: GatewayError, close = false): void {
  if (res.headersSent) return;
  if (close) res.setHeader('connection', 'close');
  sendJson(res, e.httpStatus, JSON.stringify(e.toBody()));
}

export function createGatewayServer(deps: GatewayServerDeps): GatewayServer {
  const { config, store, logger } = deps;
  const telemetry = deps.telemetry ?? NO_TELEMETRY;
  const opts: ReceiveOptions = { tenants: config.tenants, insecureSkipSignature: config.insecureSkipSignature };
  let inFlight = 0;
  let draining = false;
  let drained: (() => void) | null = null;

  const finish = (route: string, started: number, status: number, bytes: number, code?: string, duplicate?: boolean): void => {
    inFlight--;
    telemetry.edge({ route, status, code, ms: performance.now() - started, bytes, duplicate });
    if (draining && inFlight === 0) drained?.();
  };

  const reject = (res: ServerResponse, e: unknown, route: string, started: number, bytes: number, close = false): void => {
    const err = isGatewayError(e) ? e : new GatewayError('WAHOOK_ERR_INTERNAL', undefined, { cause: e });
    if (err.code === 'WAHOOK_ERR_INTERNAL' || err.code === 'WAHOOK_ERR_STORE_UNAVAILABLE') {
      logger.error({ err: err.cause ?? err, code: err.code }, 'request failed');
    }
    if (route === 'webhook') store.recordRejection(err.code);
    sendError(res, err, close || draining);
    finish(route, started, err.httpStatus, bytes, err.code);
  };

  const receiveBody = (req: IncomingMessage, res: ServerResponse, route: Extract<Route, { kind: 'webhook' }>, started: number): void => {
    const declared = Number(req.headers['content-length']);
    if (declared > config.bodyLimitBytes) {
      req.resume();
      return reject(res, new GatewayError('WAHOOK_ERR_HTTP_BODY_TOO_LARGE'), 'webhook', started, 0, true);
    }
    const chunks: Buffer[] = [];
    let size = 0;
    let done = false;
    req.on('data', (chunk: Buffer) => {
      if (done) return;
      size += chunk.length;
      if (size > config.bodyLimitBytes) {
        // Stop buffering at once and close: the rest of the body is never held in memory.
        done = true;
        chunks.length = 0;
        req.pause();
        reject(res, new GatewayError('WAHOOK_ERR_HTTP_BODY_TOO_LARGE'), 'webhook', started, size, true);
        res.on('finish', () => req.destroy());
        return;
      }
      chunks.push(chunk);
    });
    req.on('aborted', () => {
      if (done) return;
      done = true;
      store.recordRejection('WAHOOK_ERR_HTTP_BODY_ABORTED');
      finish('webhook', started, 400, size, 'WAHOOK_ERR_HTTP_BODY_ABORTED');
    });
    req.on('end', () => {
      if (done) return;
      done = true;
      const body = chunks.length === 1 ? chunks[0]! : Buffer.concat(chunks, size);
      let delivery;
      try {
        delivery = acceptDelivery(route, req.headers, body, opts, Date.now());
      } catch (e) {
        return reject(res, e, 'webhook', started, size);
      }
      store.appendWith(delivery, (e, r) => {
        if (e !== null) return reject(res, e, 'webhook', started, size);
        sendJson(res, 200, RECEIVED);
        finish('webhook', started, 200, size, undefined, r!.duplicate);
      });
    });
  };

  const handle = (req: IncomingMessage, res: ServerResponse): void => {
    const started = performance.now();
    inFlight++;
    const url = req.url ?? '/';
    const q = url.indexOf('?');
    const path = q === -1 ? url : url.slice(0, q);
    let route: Route;
    try {
      if (draining) throw new GatewayError('WAHOOK_ERR_SHUTTING_DOWN');
      route = routeRequest(req.method ?? 'GET', path, req.headers, opts);
    } catch (e) {
      req.resume();
      const isWebhook = path === '/webhook' || path.startsWith('/webhook/');
      return reject(res, e, isWebhook && req.method === 'POST' ? 'webhook' : 'other', started, 0);
    }
    switch (route.kind) {
      case 'webhook':
        return receiveBody(req, res, route, started);
      case 'handshake': {
        const r = verifyHandshake(new URLSearchParams(q === -1 ? '' : url.slice(q + 1)), route.tenant.verifyToken);
        req.resume();
        if (!r.ok) return reject(res, new GatewayError('WAHOOK_ERR_HANDSHAKE_REJECTED'), 'handshake', started, 0);
        res.writeHead(200, { 'content-type': 'text/plain; charset=utf-8' });
        res.end(r.challenge);
        return finish('handshake', started, 200, 0);
      }
      case 'healthz':
        req.resume();
        sendJson(res, 200, '{"status":"ok"}');
        return finish('healthz', started, 200, 0);
      case 'readyz':
        req.resume();
        store.ping().then(
          () => {
            sendJson(res, draining ? 503 : 200, draining ? '{"status":"draining"}' : '{"status":"ready"}');
            finish('readyz', started, draining ? 503 : 200, 0);
          },
          (e: unknown) => reject(res, e, 'readyz', started, 0),
        );
        return;
      default:
        if (!deps.extra) {
          req.resume();
          return reject(res, new GatewayError('WAHOOK_ERR_HTTP_NOT_FOUND'), 'other', started, 0);
        }
        Promise.resolve(deps.extra(route, req, res)).then(
          () => finish(route.kind, started, res.statusCode, 0),
          (e: unknown) => reject(res, e, route.kind, started, 0),
        );
    }
  };

  const server = createServer(
    {
      requestTimeout: config.requestTimeoutMs,
      headersTimeout: config.headersTimeoutMs,
      keepAliveTimeout: config.keepAliveTimeoutMs,
      // Node checks the two timeouts above on this interval (30 s by default): check often enough to answer 408 on time.
      connectionsCheckingInterval: Math.max(50, Math.min(1000, Math.floor(config.headersTimeoutMs / 4))),
    },
    handle,
  );
  // A socket idle for twice the request timeout is closed outright (the 408 path runs first).
  server.timeout = config.requestTimeoutMs * 2;
  server.on('clientError', (err: NodeJS.ErrnoException, socket) => {
    if (!socket.writable) return socket.destroy();
    const e = new GatewayError(err.code === 'ERR_HTTP_REQUEST_TIMEOUT' ? 'WAHOOK_ERR_HTTP_TIMEOUT' : 'WAHOOK_ERR_HTTP_MALFORMED');
    const body = JSON.stringify(e.toBody());
    socket.end(`HTTP/1.1 ${e.httpStatus} Error\r\nconnection: close\r\ncontent-type: application/json\r\ncontent-length: ${Buffer.byteLength(body)}\r\n\r\n${body}`);
  });

  return {
    server,
    listen: () =>
      new Promise((resolve, reject) => {
        server.once('error', reject);
        server.listen(config.port, config.host, () => {
          const a = server.address();
          resolve({ host: config.host, port: typeof a === 'object' && a ? a.port : config.port });
        });
      }),
    shutdown: async () => {
      draining = true;
      const closed = new Promise<void>((r) => server.close(() => r()));
      server.closeIdleConnections();
      if (inFlight > 0) {
        await Promise.race([
          new Promise<void>((r) => (drained = r)),
          new Promise<void>((r) => setTimeout(r, config.shutdownTimeoutMs).unref()),
        ]);
      }
      server.closeAllConnections();
      await closed;
      await store.close();
    },
  };
}
