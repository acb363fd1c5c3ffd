/**
 * The admin side of the gateway: the dashboard page and its assets, the JSON
 * admin API it polls, and /metrics. Everything here reads through AdminData;
 * nothing writes.
 */
import type { IncomingMessage, ServerResponse } from 'node:http';
import type { Config } from '../config/load.js';
import { GatewayError } from '../core/errors.js';
import type { Route } from '../core/receive.js';
import { DASHBOARD_ASSETS, DASHBOARD_CSP, DASHBOARD_PAGE, type Asset } from '../dashboard/assets.js';
import { createAccessCheck, type AccessCheck, type AccessKind } from '../dashboard/auth.js';
import { maskDeadLetter, maskEvent } from '../dashboard/mask.js';
import type { AdminData } from '../ports/admin-data.js';
import { sendError, sendJson, type ExtraHandler } from './server.js';

export interface AdminDeps {
  readonly config: Config;
  readonly data: AdminData;
}

/** Rollups are kept 35 days; asking for more cannot return more. */
const MAX_MINUTES = 35 * 24 * 60;
const MAX_LIMIT = 500;

/** A positive integer query parameter; absent or malformed means the default, too large means the cap. */
function intParam(query: URLSearchParams, name: string, fallback: number, max: number): number {
  const raw = query.get(name);
  if (raw === null || !/^\d{1,12}$/.test(raw)) return fallback;
  const n = Number(raw);
  return n < 1 ? fallback : Math.min(n, max);
}

/** Whether phone numbers leave unmasked: only `phones=full`, and only for the admin token itself (see revealWanted). */
type ApiCall = (query: URLSearchParams, data: AdminData, reveal: boolean) => Promise<unknown>;

// A Map, not an object literal, so /api/constructor and friends are plain 404s.
const API = new Map<string, ApiCall>([
  ['live', (_q, d) => d.live()],
  ['rollups', (q, d) => d.rollups(Date.now() - intParam(q, 'minutes', 60, MAX_MINUTES) * 60_000)],
  ['events', async (q, d, reveal) => {
    const events = await d.latestEvents(intParam(q, 'limit', 50, MAX_LIMIT));
    return reveal ? events : events.map(maskEvent);
  }],
  ['dlq', async (q, d, reveal) => {
    const dead = await d.deadLetters(intParam(q, 'limit', 50, MAX_LIMIT));
    return reveal ? dead : dead.map(maskDeadLetter);
  }],
  ['media', (q, d) => d.media(intParam(q, 'limit', 20, MAX_LIMIT))],
  ['cost', (_q, d) => d.cost()],
]);

/**
 * `phones=full` asks for unmasked numbers. Loopback access without a token,
 * the dashboard's cookie and a ?token= link do not qualify: the caller must
 * present the admin token as a bearer, so full numbers only go to something
 * that was deliberately handed the token.
 */
function revealWanted(query: URLSearchParams, req: IncomingMessage, access: AccessCheck): boolean {
  if (query.get('phones') !== 'full') return false;
  if (!access.hasBearer(req)) throw new GatewayError('WAHOOK_ERR_ADMIN_REVEAL_DENIED');
  return true;
}

function send(res: ServerResponse, status: number, contentType: string, body: string, headers: Record<string, string> = {}): void {
  res.writeHead(status, { 'content-type': contentType, 'content-length': Buffer.byteLength(body), ...headers });
  res.end(body);
}

function sendAsset(req: IncomingMessage, res: ServerResponse, asset: Asset): void {
  const headers = { etag: asset.etag, 'cache-control': 'private, no-cache' };
  if (req.headers['if-none-match'] === asset.etag) {
    res.writeHead(304, headers);
    res.end();
    return;
  }
  send(res, 200, asset.contentType, asset.body, headers);
}

function unauthorized(res: ServerResponse): void {
  res.setHeader('www-authenticate', 'Bearer');
  sendError(res, new GatewayError('WAHOOK_ERR_ADMIN_UNAUTHORIZED'));
}

/**
 * @example
 * createGatewayServer({ config, store, logger, extra: createAdminHandler({ config, data }) });
 */
export function createAdminHandler(deps: AdminDeps): ExtraHandler {
  const { data } = deps;
  const access = createAccessCheck(deps.config);

  return async (route: Route, req: IncomingMessage, res: ServerResponse): Promise<void> => {
    req.resume();
    const url = req.url ?? '/';
    const q = url.indexOf('?');
    const query = new URLSearchParams(q === -1 ? '' : url.slice(q + 1));
    // Nothing an admin route answers may be cached by a browser or a proxy, nor sniffed into another type.
    res.setHeader('cache-control', 'no-store');
    res.setHeader('x-content-type-options', 'nosniff');

    if (route.kind === 'metrics') {
      if (!access.allowed(req, 'metrics', query)) return unauthorized(res);
      return send(res, 200, 'text/plain; version=0.0.4; charset=utf-8', await data.metrics());
    }
    if (route.kind === 'dashboard') {
      if (!access.allowed(req, 'page', query)) return unauthorized(res);
      const cookie = access.sessionCookie(req);
      if (cookie !== undefined) res.setHeader('set-cookie', cookie);
      return send(res, 200, DASHBOARD_PAGE.contentType, DASHBOARD_PAGE.body, {
        'content-security-policy': DASHBOARD_CSP,
        'referrer-policy': 'no-referrer',
        'x-frame-options': 'DENY',
      });
    }
    if (route.kind !== 'admin') throw new GatewayError('WAHOOK_ERR_HTTP_NOT_FOUND');

    const asset = DASHBOARD_ASSETS.get(route.name);
    const kind: AccessKind = asset !== undefined ? 'asset' : 'api';
    // Authorisation before routing, so an unauthorised caller cannot map which routes exist.
    if (!access.allowed(req, kind, query)) return unauthorized(res);
    const call = API.get(route.name);
    if (asset === undefined && call === undefined) return sendError(res, new GatewayError('WAHOOK_ERR_HTTP_NOT_FOUND'));
    if (req.method !== 'GET' && req.method !== 'HEAD') return sendError(res, new GatewayError('WAHOOK_ERR_HTTP_METHOD'));
    if (asset !== undefined) return sendAsset(req, res, asset);
    if (call !== undefined) sendJson(res, 200, JSON.stringify(await call(query, data, revealWanted(query, req, access))));
  };
}
