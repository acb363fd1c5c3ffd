/**
 * Who may see the dashboard, its assets, the admin API and /metrics.
 *
 * Beyond loopback every admin request needs the admin token, and with no
 * token configured there the answer is always no: a gateway reachable from
 * a network is never left open by omission. On loopback the token is only
 * required once one is configured. /metrics follows metricsRequireToken.
 *
 * A loopback bind is not proof of a local caller: a reverse proxy, an SSH or
 * TCP tunnel, or a page that rebinds its DNS name to 127.0.0.1 all reach it
 * from elsewhere. Without a token a request is only taken as local when it
 * names this listener itself in `Host` (a loopback name with the port it
 * came in on) and carries no forwarding header. A proxy that rewrites `Host`
 * to the upstream address still passes, which is why a proxied deployment
 * needs WAHOOK_ADMIN_TOKEN.
 *
 * `trustedProxies` deliberately changes nothing here. It tells the webhook
 * allowlist whose `X-Forwarded-For` to believe; here any forwarding header
 * means the caller is somewhere else, trusted proxy or not, and only the
 * token lets it in. A client address is never a credential for the admin
 * side.
 */
import { createHmac } from 'node:crypto';
import type { IncomingMessage } from 'node:http';
import type { Config } from '../config/load.js';
import { isLoopbackHost } from '../core/loopback.js';
import { constantTimeEqual } from '../core/signature.js';

export { isLoopbackHost } from '../core/loopback.js';

/** page: /dashboard; asset: its script and stylesheet; api: /api/*; metrics: /metrics. */
export type AccessKind = 'page' | 'asset' | 'api' | 'metrics';

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

const LOCAL_HOST_HEADER = /^(?:localhost|127\.0\.0\.1|\[::1\])(?::(\d{1,5}))?$/i;

/**
 * Whether `Host` names this listener by a loopback name and the port the
 * connection arrived on, as a browser or client on this machine sends it.
 * A rebound DNS name, a proxy that passes the public name through, or a
 * tunnel that listens on another port all fail it.
 *
 * @example
 * hostIsLocal({ headers: { host: '127.0.0.1:3000' }, socket: { localPort: 3000 } }) // true
 * hostIsLocal({ headers: { host: 'attacker.example:3000' }, socket: { localPort: 3000 } }) // false
 */
export function hostIsLocal(req: Pick<IncomingMessage, 'headers'> & { socket?: { localPort?: number } }): boolean {
  const m = LOCAL_HOST_HEADER.exec((req.headers.host ?? '').trim());
  if (m === null) return false;
  const port = m[1] === undefined ? 80 : Number(m[1]);
  return port === req.socket?.localPort;
}

export const SESSION_COOKIE = 'wahook_session';

/**
 * After an authorised /dashboard?token=… the browser keeps a cookie instead
 * of the token, so the token leaves the address bar (and with it browser
 * history and proxy logs). The cookie is derived from the token, not the
 * token itself: it cannot be replayed as a bearer or against /metrics.
 */
function sessionValue(token: string): string {
  return createHmac('sha256', token).update('wahook dashboard session').digest('base64url');
}

function firstForwardedProto(req: IncomingMessage): string | undefined {
  const xfp = req.headers['x-forwarded-proto'];
  const x = (Array.isArray(xfp) ? xfp[0] : xfp)?.split(',')[0]?.trim().toLowerCase();
  if (x) return x;
  const fwd = req.headers.forwarded?.split(',')[0];
  return fwd === undefined ? undefined : /(?:^|;)\s*proto="?([a-z]+)"?/i.exec(fwd)?.[1]?.toLowerCase();
}

/**
 * Whether the browser reached us over TLS. A proxy's word is taken without a
 * trust list because it can only add `Secure`: a forged "https" makes the
 * browser drop the cookie, it never exposes one.
 */
function cameOverTls(req: IncomingMessage): boolean {
  return (req.socket as { encrypted?: boolean } | undefined)?.encrypted === true || firstForwardedProto(req) === 'https';
}

export interface AccessCheck {
  allowed(req: IncomingMessage, kind: AccessKind, query: URLSearchParams): boolean;
  /** Whether the request carries the admin token itself as a bearer (what asking for full phone numbers takes). */
  hasBearer(req: IncomingMessage): boolean;
  /** The Set-Cookie value to send with an authorised page, or undefined when no token is configured. */
  sessionCookie(req: IncomingMessage): string | undefined;
}

export function createAccessCheck(config: Pick<Config, 'host' | 'adminToken' | 'metricsRequireToken'>): AccessCheck {
  const token = config.adminToken;
  const loopbackBind = isLoopbackHost(config.host);
  const session = token === undefined ? undefined : sessionValue(token);
  const hasBearer = (req: IncomingMessage): boolean => token !== undefined && constantTimeEqual(bearerOf(req.headers.authorization), token);
  return {
    allowed(req, kind, query) {
      if (kind === 'metrics') return !config.metricsRequireToken || hasBearer(req);
      if (token === undefined || session === undefined) {
        const proxied = req.headers['x-forwarded-for'] !== undefined || req.headers.forwarded !== undefined;
        return loopbackBind && !proxied && hostIsLocal(req);
      }
      if (hasBearer(req)) return true;
      if (constantTimeEqual(cookieOf(req.headers.cookie, SESSION_COOKIE), session)) return true;
      return kind === 'page' && constantTimeEqual(query.get('token') ?? undefined, token);
    },
    hasBearer,
    sessionCookie(req) {
      if (session === undefined) return undefined;
      return `${SESSION_COOKIE}=${session}; Path=/; HttpOnly; SameSite=Strict${cameOverTls(req) ? '; Secure' : ''}`;
    },
  };
}
