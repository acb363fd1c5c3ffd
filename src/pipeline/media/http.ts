import { lookup as dnsLookup, type LookupAddress } from 'node:dns';
import http, { type IncomingMessage } from 'node:http';
import https from 'node:https';
import { isIP } from 'node:net';
import { GatewayError } from '../../core/errors.js';
import { hostOf, isPrivateAddress } from '../../core/media/host-rules.js';

/** node:dns lookup's shape; tests pass their own to point a name at a local server. */
export type LookupFn = (hostname: string, options: { all: true }, callback: (err: NodeJS.ErrnoException | null, addresses: LookupAddress[]) => void) => void;

export interface HttpSettings {
  readonly connectTimeoutMs: number;
  /** Longest silence while waiting for the answer or its next bytes. */
  readonly readTimeoutMs: number;
  readonly lookup?: LookupFn;
}

/**
 * Whether a URL may be requested, and whether its host may resolve to a
 * private or loopback address. Throws (WAHOOK_ERR_MEDIA_HOST_REFUSED) to
 * refuse it before anything is sent.
 */
export type Gate = (url: URL) => { readonly allowPrivate: boolean };

export interface HttpRequest {
  readonly method: 'GET' | 'POST';
  readonly url: URL;
  readonly gate: Gate;
  /** How many redirects to follow, each to a URL its gate lets through; 0 treats a redirect as a failure. */
  readonly redirects: number;
  /** Headers for one hop: credentials go here, so each hop decides whether its origin may have them. */
  readonly headers?: (url: URL) => Record<string, string>;
  readonly body?: Buffer;
  readonly signal?: AbortSignal;
}

const REDIRECTS = new Set([301, 302, 303, 307, 308]);

function refused(host: string, address: string): GatewayError {
  return new GatewayError('WAHOOK_ERR_MEDIA_HOST_REFUSED', `${host} resolves to ${address}, a private or loopback address; it is fetched only when named exactly in media.hosts`);
}

/**
 * Resolves as node:dns does, then refuses a private answer before the
 * socket connects. Checking the addresses the connection really uses
 * (rather than resolving once to check and again to connect) leaves DNS
 * rebinding no gap to slip through.
 */
function guardedLookup(allowPrivate: boolean, base: LookupFn): (hostname: string, options: { all?: boolean }, cb: (...args: unknown[]) => void) => void {
  return (hostname, options, cb) => {
    base(hostname, { all: true }, (err, addresses) => {
      if (err) return cb(err);
      const bad = allowPrivate ? undefined : addresses.find((a) => isPrivateAddress(a.address));
      if (bad !== undefined) return cb(refused(hostname, bad.address));
      if (addresses.length === 0) return cb(Object.assign(new Error(`${hostname} has no address`), { code: 'ENOTFOUND' }));
      if (options.all) cb(null, addresses);
      else cb(null, addresses[0]!.address, addresses[0]!.family);
    });
  };
}

/** What failed on the wire, as a media error with a stable code. */
export function wireError(e: unknown, url: URL): GatewayError {
  if (e instanceof GatewayError) return e;
  const err = e as NodeJS.ErrnoException;
  if (err?.name === 'AbortError' || err?.name === 'TimeoutError') return new GatewayError('WAHOOK_ERR_MEDIA_TIMEOUT', `${url.host}: the attempt ran past media.timeoutMs`);
  return new GatewayError('WAHOOK_ERR_MEDIA_DOWNLOAD_FAILED', `${url.host}: ${err?.code ?? ''} ${err?.message ?? String(e)}`.trim());
}

/**
 * HTTP requests for media, with keep-alive connections per origin. Every
 * hop passes its gate first, redirects are followed by hand (each to a
 * gated URL, with headers chosen for its origin), and a connection or an
 * answer that goes quiet fails the request instead of holding its slot.
 */
export class MediaHttp {
  private readonly agents = { http: new http.Agent({ keepAlive: true }), https: new https.Agent({ keepAlive: true }) };

  constructor(private readonly settings: HttpSettings) {}

  /** The answer of the last hop and its URL; the caller reads (or drops) its body. */
  async request(req: HttpRequest): Promise<{ res: IncomingMessage; url: URL }> {
    let url = req.url;
    let method = req.method;
    for (let hop = 0; ; hop++) {
      const { allowPrivate } = req.gate(url);
      const res = await this.once(method, url, allowPrivate, req.headers?.(url) ?? {}, method === 'POST' ? req.body : undefined, req.signal);
      const location = res.headers.location;
      if (!REDIRECTS.has(res.statusCode ?? 0) || location === undefined) return { res, url };
      // Dropped, not drained: a redirect's body is never needed, and may be large.
      res.destroy();
      if (hop >= req.redirects) {
        throw new GatewayError('WAHOOK_ERR_MEDIA_DOWNLOAD_FAILED', `${url.host} answered HTTP ${res.statusCode}, a redirect${req.redirects === 0 ? ', where none is expected' : ` past the ${req.redirects} followed`}`);
      }
      try {
        url = new URL(location, url);
      } catch {
        throw new GatewayError('WAHOOK_ERR_MEDIA_DOWNLOAD_FAILED', `${url.host} redirected to something that is not a URL`);
      }
      if (res.statusCode === 303) method = 'GET';
    }
  }

  close(): void {
    this.agents.http.destroy();
    this.agents.https.destroy();
  }

  private once(method: string, url: URL, allowPrivate: boolean, headers: Record<string, string>, body: Buffer | undefined, signal: AbortSignal | undefined): Promise<IncomingMessage> {
    const host = hostOf(url);
    if (isIP(host) !== 0 && !allowPrivate && isPrivateAddress(host)) return Promise.reject(refused(host, host));
    const secure = url.protocol === 'https:';
    const { connectTimeoutMs, readTimeoutMs } = this.settings;
    return new Promise((resolve, reject) => {
      const req = (secure ? https : http).request(url, {
        method,
        headers: { 'user-agent': 'wahook', ...headers, ...(body ? { 'content-length': String(body.length) } : {}) },
        agent: secure ? this.agents.https : this.agents.http,
        lookup: guardedLookup(allowPrivate, this.settings.lookup ?? (dnsLookup as unknown as LookupFn)) as never,
        timeout: readTimeoutMs,
        ...(signal ? { signal } : {}),
      });
      let answered: IncomingMessage | undefined;
      const fail = (e: GatewayError): void => {
        answered?.destroy(e);
        req.destroy(e);
      };
      req.on('socket', (socket) => {
        if (!socket.connecting) return;
        const timer = setTimeout(() => fail(new GatewayError('WAHOOK_ERR_MEDIA_TIMEOUT', `${url.host}: no connection within media.connectTimeoutMs (${connectTimeoutMs} ms)`)), connectTimeoutMs);
        socket.once('connect', () => clearTimeout(timer));
        socket.once('close', () => clearTimeout(timer));
      });
      // The socket's idle timer covers the wait for the answer and every gap in its body.
      req.on('timeout', () => fail(new GatewayError('WAHOOK_ERR_MEDIA_TIMEOUT', `${url.host}: nothing received for media.readTimeoutMs (${readTimeoutMs} ms)`)));
      req.on('error', (e) => reject(wireError(e, url)));
      req.on('response', (res) => {
        answered = res;
        // The reader sees a failure when it iterates the body; one that comes before it starts (a timeout
        // while the file is being opened) must not go unheard, which would end the process.
        res.on('error', () => undefined);
        resolve(res);
      });
      req.end(body);
    });
  }
}

/** Reads a small answer (JSON of an API) whole, up to `limit` bytes. */
export async function readSmall(res: IncomingMessage, limit: number, url: URL): Promise<Buffer> {
  const chunks: Buffer[] = [];
  let size = 0;
  try {
    for await (const chunk of res as AsyncIterable<Buffer>) {
      size += chunk.length;
      if (size > limit) {
        res.destroy();
        throw new GatewayError('WAHOOK_ERR_MEDIA_RESOLVE_FAILED', `${url.host} answered with more than ${limit} bytes where a short JSON object was expected`);
      }
      chunks.push(chunk);
    }
  } catch (e) {
    throw wireError(e, url);
  }
  return Buffer.concat(chunks);
}
