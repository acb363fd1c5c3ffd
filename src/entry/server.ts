import { createServer, type IncomingMessage, type Server, type ServerOptions, type ServerResponse } from 'node:http';
import { createServer as createHttpsServer, type Server as HttpsServer } from 'node:https';
import type { Socket } from 'node:net';
import type { Logger } from 'pino';
import type { Config } from '../config/load.js';
import { asGatewayError, errorResponse, RECEIVED, readyResponse, refusedRouteName, startRequest, type EdgeResponse, type WebhookRoute } from '../core/edge-request.js';
import { GatewayError, type ErrorCode } from '../core/errors.js';
import { BodyHmac } from '../core/body-hmac.js';
import { isEnvelopeCertainly } from '../core/envelope-scan.js';
import { acceptDelivery, type ReceiveOptions, type Route } from '../core/receive.js';
import { ONE_SHOT_MAX_BYTES } from '../core/signature.js';
import type { DeliveryStore } from '../ports/delivery-log.js';
import { NO_TELEMETRY, type Telemetry } from '../ports/telemetry.js';
import { receiveOptions } from '../config/receive-options.js';
import { loadTlsFiles } from './tls.js';

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
  readonly server: Server | HttpsServer;
  listen(): Promise<{ host: string; port: number }>;
  /**
   * HTTPS only: reads the certificate and key again for new connections;
   * open connections keep the context they were made with. A pair that
   * fails to load is logged and the current one kept. Returns whether the
   * new pair is in use.
   */
  reloadTls(): boolean;
  /** Stops accepting, finishes in-flight requests and commits, closes the store. */
  shutdown(): Promise<void>;
}

/** A string body lets node send status line, headers and body in one write (a Buffer body costs a writev). */
export function send(res: ServerResponse, r: EdgeResponse): void {
  res.writeHead(r.status, r.headers);
  res.end(r.body);
}

export function sendJson(res: ServerResponse, status: number, body: Buffer | string): void {
  res.writeHead(status, { 'content-type': 'application/json', 'content-length': Buffer.byteLength(body) });
  res.end(body);
}

export function sendError(res: ServerResponse, e: GatewayError, close = false): void {
  if (res.headersSent) return;
  if (close) res.setHeader('connection', 'close');
  send(res, errorResponse(e));
}

/** Socket-level failures node reports before a request exists, by node's code; anything else is malformed. */
const CLIENT_ERRORS: Record<string, ErrorCode> = { ERR_HTTP_REQUEST_TIMEOUT: 'WAHOOK_ERR_HTTP_TIMEOUT', HPE_HEADER_OVERFLOW: 'WAHOOK_ERR_HTTP_HEADERS_TOO_LARGE' };

function announcesBody(req: IncomingMessage): boolean {
  const length = req.headers['content-length'];
  return (length !== undefined && length !== '0') || req.headers['transfer-encoding'] !== undefined;
}

/**
 * The node:http shell around the shared request lifecycle (core/edge-request.ts):
 * it streams the body under its limit, hands the delivery to the store,
 * keeps count of requests in flight for a draining shutdown, and maps
 * socket-level errors. What to answer is decided by the core.
 */
export function createGatewayServer(deps: GatewayServerDeps): GatewayServer {
  const { config, store, logger } = deps;
  const telemetry = deps.telemetry ?? NO_TELEMETRY;
  const opts: ReceiveOptions = { ...receiveOptions(config), scanEnvelope: isEnvelopeCertainly };
  let inFlight = 0;
  let draining = false;
  let drained: (() => void) | null = null;

  const finish = (route: string, started: number, status: number, bytes: number, code?: string, duplicate?: boolean): void => {
    inFlight--;
    telemetry.edge({ route, status, code, ms: performance.now() - started, bytes, duplicate });
    if (draining && inFlight === 0) drained?.();
  };

  const reject = (res: ServerResponse, e: unknown, route: string, started: number, bytes: number, close = false): void => {
    const err = asGatewayError(e);
    if (err.code === 'WAHOOK_ERR_INTERNAL' || err.code === 'WAHOOK_ERR_STORE_UNAVAILABLE') {
      logger.error({ err: err.cause ?? err, code: err.code }, 'request failed');
    }
    if (route === 'webhook') store.recordRejection(err.code);
    sendError(res, err, close || draining);
    finish(route, started, err.httpStatus, bytes, err.code);
  };

  // Bytes of webhook bodies held now, over all requests, whose signatures are not checked yet: every byte of a
  // body is, until its last one arrives. Bounded by unverifiedBodyBudgetBytes, so that slow senders, signed or
  // not, cannot make the edge hold the body limit once per connection.
  let unverified = 0;
  const budget = config.unverifiedBodyBudgetBytes;

  /** Stops reading a body midway: what it held is dropped at once, and the connection closes after the answer. */
  const refuseMidBody = (req: IncomingMessage, res: ServerResponse, code: ErrorCode, started: number, bytes: number): void => {
    req.pause();
    reject(res, new GatewayError(code), 'webhook', started, bytes, true);
    res.on('finish', () => req.destroy());
  };

  const receiveBody = (req: IncomingMessage, res: ServerResponse, route: WebhookRoute, started: number): void => {
    const length = req.headers['content-length'];
    const declared = length === undefined ? 0 : Number(length);
    if (declared > config.bodyLimitBytes) {
      req.resume();
      return reject(res, new GatewayError('WAHOOK_ERR_HTTP_BODY_TOO_LARGE'), 'webhook', started, 0, true);
    }
    // A body that announces more than the budget has left is refused before its first byte.
    if (unverified + declared > budget) {
      req.resume();
      return reject(res, new GatewayError('WAHOOK_ERR_HTTP_BODY_BUDGET'), 'webhook', started, 0, true);
    }
    const chunks: Buffer[] = [];
    let size = 0;
    let done = false;
    // Bodies past the one-shot path's size are hashed as they arrive; smaller ones once, whole, at the end.
    const hashes = route.provider === 'cloud_api' && !opts.insecureSkipSignature;
    let hmac: BodyHmac | undefined;
    req.on('data', (chunk: Buffer) => {
      if (done) return;
      if (size + chunk.length > config.bodyLimitBytes || unverified + chunk.length > budget) {
        done = true;
        unverified -= size;
        chunks.length = 0;
        const tooLarge = size + chunk.length > config.bodyLimitBytes;
        return refuseMidBody(req, res, tooLarge ? 'WAHOOK_ERR_HTTP_BODY_TOO_LARGE' : 'WAHOOK_ERR_HTTP_BODY_BUDGET', started, size + chunk.length);
      }
      unverified += chunk.length;
      size += chunk.length;
      chunks.push(chunk);
      if (hmac !== undefined) hmac.update(chunk);
      else if (size > ONE_SHOT_MAX_BYTES && hashes) {
        hmac = new BodyHmac(route.tenant.appSecrets);
        for (const c of chunks) hmac.update(c);
      }
    });
    req.on('aborted', () => {
      if (done) return;
      done = true;
      unverified -= size;
      chunks.length = 0;
      store.recordRejection('WAHOOK_ERR_HTTP_BODY_ABORTED');
      finish('webhook', started, 400, size, 'WAHOOK_ERR_HTTP_BODY_ABORTED');
    });
    req.on('end', () => {
      if (done) return;
      done = true;
      // Whole now, and checked below before anything else happens: from here on it is the store's to bound.
      unverified -= size;
      const body = chunks.length === 1 ? chunks[0]! : Buffer.concat(chunks, size);
      let delivery;
      try {
        delivery = acceptDelivery(route, req.headers, body, opts, Date.now(), hmac);
      } catch (e) {
        return reject(res, e, 'webhook', started, size);
      }
      store.appendWith(delivery, (e, r) => {
        if (e !== null) return reject(res, e, 'webhook', started, size);
        send(res, RECEIVED);
        finish('webhook', started, 200, size, undefined, r!.duplicate);
      });
    });
  };

  const handle = (req: IncomingMessage, res: ServerResponse): void => {
    const started = performance.now();
    inFlight++;
    const method = req.method ?? 'GET';
    const url = req.url ?? '/';
    const q = url.indexOf('?');
    const path = q === -1 ? url : url.slice(0, q);
    let step;
    try {
      if (draining) throw new GatewayError('WAHOOK_ERR_SHUTTING_DOWN');
      step = startRequest(method, path, q === -1 ? '' : url.slice(q + 1), req.headers, opts, req.socket.remoteAddress);
    } catch (e) {
      req.resume();
      // A refused request's body is never wanted: closing spares reading it (up to the body limit, as slowly as its sender likes).
      return reject(res, e, refusedRouteName(method, path), started, 0, announcesBody(req));
    }
    switch (step.kind) {
      case 'receive':
        return receiveBody(req, res, step.route, started);
      case 'respond':
        req.resume();
        send(res, step.response);
        return finish(step.route, started, step.response.status, 0, step.code);
      case 'ready':
        req.resume();
        store.ping().then(
          () => {
            const r = readyResponse(draining);
            send(res, r);
            finish('readyz', started, r.status, 0);
          },
          (e: unknown) => reject(res, e, 'readyz', started, 0),
        );
        return;
      case 'other': {
        const route = step.route;
        if (!deps.extra) {
          req.resume();
          return reject(res, new GatewayError('WAHOOK_ERR_HTTP_NOT_FOUND'), 'other', started, 0);
        }
        Promise.resolve(deps.extra(route, req, res)).then(
          () => finish(route.kind, started, res.statusCode, 0),
          (e: unknown) => reject(res, e, route.kind, started, 0),
        );
      }
    }
  };

  const httpOptions: ServerOptions = {
    requestTimeout: config.requestTimeoutMs,
    headersTimeout: config.headersTimeoutMs,
    keepAliveTimeout: config.keepAliveTimeoutMs,
    // Node checks the two timeouts above on this interval (30 s by default): check often enough to answer 408 on time.
    connectionsCheckingInterval: Math.max(50, Math.min(1000, Math.floor(config.headersTimeoutMs / 4))),
  };
  const tls = loadTlsFiles(config);
  // A TLS handshake that stalls holds a connection as slow headers do, so it gets the same time (node's own is 120 s).
  const server = tls === undefined ? createServer(httpOptions, handle) : createHttpsServer({ ...httpOptions, ...tls, handshakeTimeout: config.headersTimeoutMs }, handle);

  // A socket idle for twice the request timeout is closed outright (the 408 path runs first).
  server.timeout = config.requestTimeoutMs * 2;
  // Each open connection costs memory whether or not it sends anything; past the cap a new one is closed at once.
  // Counted here rather than left to server.maxConnections: in a receiving process of `serve --processes N`, node's
  // cluster sends a connection that process refuses back to the primary, which offers it again straight away, to
  // the same process or another, in a loop that keeps a core busy in each and the connection open until a slot frees.
  let connections = 0;
  let warnedAt = -Infinity;
  server.on('connection', (socket: Socket) => {
    if (connections < config.maxConnections) {
      connections++;
      socket.once('close', () => connections--);
      return;
    }
    socket.destroy();
    telemetry.edge({ route: 'connection', status: 503, code: 'WAHOOK_ERR_HTTP_CONNECTION_LIMIT', ms: 0, bytes: 0 });
    // Once a minute at most: a flood of new connections must not become a flood of log lines.
    const now = performance.now();
    if (now - warnedAt < 60_000) return;
    warnedAt = now;
    logger.warn({ code: 'WAHOOK_ERR_HTTP_CONNECTION_LIMIT', maxConnections: config.maxConnections }, 'connection limit reached; new connections are closed');
  });
  server.on('clientError', (err: NodeJS.ErrnoException, socket) => {
    if (!socket.writable) return socket.destroy();
    const r = errorResponse(new GatewayError(CLIENT_ERRORS[err.code ?? ''] ?? 'WAHOOK_ERR_HTTP_MALFORMED'));
    socket.end(`HTTP/1.1 ${r.status} Error\r\nconnection: close\r\ncontent-type: application/json\r\ncontent-length: ${Buffer.byteLength(r.body)}\r\n\r\n${r.body}`);
  });

  const reloadTls = (): boolean => {
    if (tls === undefined) return false;
    try {
      const files = loadTlsFiles(config)!;
      (server as HttpsServer).setSecureContext(files);
      logger.info({ tlsCert: config.tlsCert }, 'TLS certificate reloaded');
      return true;
    } catch (e) {
      logger.error({ err: e, code: (e as GatewayError).code }, 'TLS certificate not reloaded; the previous one stays in use');
      return false;
    }
  };

  return {
    server,
    reloadTls,
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
