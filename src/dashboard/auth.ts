/**
 * Who may see the dashboard, its assets, the admin API and /metrics.
 *
 * Beyond loopback every admin request needs the admin token, and with no
 * token configured there the answer is always no: a gateway reachable from
 * a network is never left open by omission. On loopback the token is only
 * required once one is configured. /metrics follows metricsRequireToken.
 */
import { createHmac } from 'node:crypto';
import type { IncomingMessage } from 'node:http';
import type { Config } from '../config/load.js';
import { constantTimeEqual } from '../core/signature.js';

/** page: /dashboard; asset: its script and stylesheet; api: /api/*; metrics: /metrics. */
export type AccessKind = 'page' | 'asset' | 'api' | 'metrics';

const LOOPBACK = new Set(['127.0.0.1', '::1', '[::1]', 'localhost']);

/**
 * @example
 * isLoopbackHost('127.0.0.1') // true
 * isLoopbackHost('0.0.0.0') // false: every interface, so reachable from the network
 */
export function isLoopbackHost(host: string): boolean {
  const h = host.trim().toLowerCase();
  return LOOPBACK.has(h) || /^127(\.\d{1,3}){3}$/.test(h);
}

/** The credential in `Authorization: Bearer <token>`, if that is the header's shape. */
export function bearerOf(header: string | undefined): string | undefined {
  return /^Bearer[ \t]+(\S+)[ \t]*$/i.exec(header ?? '')?.[1];
}

export function cookieOf(header: string | undefined, name: string): string | undefined {
  for (const part of (header ?? '').split(';')) {
    const eq = part.indexOf('=');
    if (eq !== -1 && part.slice(0, eq).trim() === name) return part.slice(eq + 1).trim();
  }
  return undefined;
}

const ASSET_COOKIE = 'wahook_assets';

/**
 * A browser fetches <script src> and <link href> without any header the page
 * could set, so after an authorised /dashboard the gateway hands out a cookie
 * for the assets alone. It is derived from the token, not the token itself,
 * and its path confines it to the static assets: it unlocks no data.
 */
function assetCookieValue(token: string): string {
  return createHmac('sha256', token).update('wahook dashboard assets').digest('base64url');
}

export interface AccessCheck {
  allowed(req: IncomingMessage, kind: AccessKind, query: URLSearchParams): boolean;
  /** The Set-Cookie value to send with an authorised page, or undefined when assets are open. */
  assetCookie(): string | undefined;
}

export function createAccessCheck(config: Pick<Config, 'host' | 'adminToken' | 'metricsRequireToken'>): AccessCheck {
  const token = config.adminToken;
  const adminNeedsToken = !isLoopbackHost(config.host) || token !== undefined;
  const cookie = token === undefined ? undefined : assetCookieValue(token);
  return {
    allowed(req, kind, query) {
      // A loopback bind behind a reverse proxy still serves the network: a proxied request is never "local".
      const proxied = req.headers['x-forwarded-for'] !== undefined || req.headers.forwarded !== undefined;
      const needed = kind === 'metrics' ? config.metricsRequireToken : adminNeedsToken || proxied;
      if (!needed) return true;
      if (token === undefined || cookie === undefined) return false;
      const auth = req.headers.authorization;
      if (constantTimeEqual(bearerOf(auth), token)) return true;
      if (kind === 'page') return constantTimeEqual(query.get('token') ?? undefined, token);
      if (kind === 'asset') return constantTimeEqual(cookieOf(req.headers.cookie, ASSET_COOKIE), cookie);
      return false;
    },
    assetCookie() {
      if (!adminNeedsToken || cookie === undefined) return undefined;
      return `${ASSET_COOKIE}=${cookie}; Path=/api/assets/; HttpOnly; SameSite=Strict`;
    },
  };
}
