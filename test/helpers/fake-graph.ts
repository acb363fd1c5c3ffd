import { createHash } from 'node:crypto';
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';

/** One media item the fake serves, and how it misbehaves. */
export interface FakeMedia {
  /** The bytes, or a generator for large bodies (then `size` and `sha256` must be given). */
  readonly body?: Buffer;
  readonly chunks?: () => AsyncIterable<Buffer> | Iterable<Buffer>;
  readonly size?: number;
  readonly mimeType?: string;
  /** What the metadata says the hash is (hex); the body's real hash by default, omitted when null. */
  readonly sha256?: string | null;
  /** What the metadata says the size is; the real size by default, omitted when null. */
  readonly fileSize?: number | null;
  /** The first N URLs it hands out are already expired (downloads answer 404). */
  readonly expiredUrls?: number;
  /** Downloads answer 404 this many times, then serve. */
  readonly downloadFailures?: number;
  /** The Graph API answers 500 this many times for the id, then serves. */
  readonly resolveFailures?: number;
  /** URLs expire this long after they are handed out. */
  readonly urlTtlMs?: number;
  /** Send this many bytes, then nothing more (a stalled download). */
  readonly stallAfter?: number;
  /** Omit content-length (chunked), so only the bytes themselves can show the size. */
  readonly chunked?: boolean;
  /** The download answers with a redirect to this URL. */
  readonly redirectTo?: string;
  /** The Graph API hands out this URL instead of its own. */
  readonly urlOverride?: string;
}

export interface SeenRequest {
  /** When it arrived, ms since the epoch. */
  readonly at: number;
  readonly method: string;
  readonly path: string;
  readonly authorization?: string;
}

export type Route = (req: IncomingMessage, res: ServerResponse, body: Buffer) => void | Promise<void>;

export interface FakeGraph {
  /** http://127.0.0.1:<port> */
  readonly url: string;
  /** 127.0.0.1:<port>, as media.hosts lists it. */
  readonly hostPort: string;
  readonly port: number;
  readonly token: string;
  readonly media: Map<string, FakeMedia>;
  /** Files served without a token under /cdn/<name> (WhatsApp's CDN). */
  readonly files: Map<string, Buffer>;
  /** Extra routes by "METHOD /path". */
  readonly routes: Map<string, Route>;
  readonly requests: SeenRequest[];
  close(): Promise<void>;
}

const sha256Of = (b: Buffer): string => createHash('sha256').update(b).digest('hex');

async function writeAll(res: ServerResponse, chunks: AsyncIterable<Buffer> | Iterable<Buffer>): Promise<void> {
  for await (const c of chunks) {
    if (res.destroyed) return;
    if (!res.write(c)) await new Promise((r) => res.once('drain', r));
  }
  res.end();
}

/**
 * A stand-in for the Graph API and Meta's media host on a free loopback
 * port: `GET /{version}/{media-id}` answers the metadata with a download
 * URL on this server, `GET /dl/{id}` serves the bytes; both want the token.
 * Each item can expire its URLs, fail, stall, lie about its hash or size,
 * or redirect, as the real ones do at their worst.
 */
export async function startFakeGraph(token = 'test-access-token', version = 'v24.0'): Promise<FakeGraph> {
  const media = new Map<string, FakeMedia>();
  const files = new Map<string, Buffer>();
  const routes = new Map<string, Route>();
  const requests: SeenRequest[] = [];
  const issued = new Map<string, number>();
  const failures = new Map<string, number>();
  let base = '';
  const bump = (k: string): number => {
    const n = (failures.get(k) ?? 0) + 1;
    failures.set(k, n);
    return n;
  };
  const json = (res: ServerResponse, status: number, body: unknown): void => {
    res.writeHead(status, { 'content-type': 'application/json' }).end(JSON.stringify(body));
  };
  const server = createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      void handle(req, res, Buffer.concat(chunks)).catch(() => res.destroy());
    });
  });
  async function handle(req: IncomingMessage, res: ServerResponse, body: Buffer): Promise<void> {
    const u = new URL(req.url ?? '/', base);
    requests.push({ at: Date.now(), method: req.method ?? '', path: u.pathname + u.search, ...(req.headers.authorization ? { authorization: req.headers.authorization } : {}) });
    const route = routes.get(`${req.method} ${u.pathname}`);
    if (route) return void (await route(req, res, body));
    const authorised = req.headers.authorization === `Bearer ${token}`;
    const cdn = /^\/cdn\/(.+)$/.exec(u.pathname);
    if (cdn && req.method === 'GET') {
      const f = files.get(cdn[1]!);
      if (!f) return json(res, 404, {});
      res.writeHead(200, { 'content-type': 'application/octet-stream', 'content-length': String(f.length) }).end(f);
      return;
    }
    const meta = new RegExp(`^/${version}/([^/]+)$`).exec(u.pathname);
    if (meta && req.method === 'GET') {
      if (!authorised) return json(res, 401, { error: { message: 'Invalid OAuth access token.', code: 190 } });
      const id = decodeURIComponent(meta[1]!);
      const m = media.get(id);
      if (!m) return json(res, 404, { error: { message: `Unsupported get request. Object with ID '${id}' does not exist`, code: 100 } });
      if (bump(`resolve:${id}`) <= (m.resolveFailures ?? 0)) return json(res, 500, { error: { message: 'An unexpected error has occurred.', code: 2 } });
      const n = (issued.get(id) ?? 0) + 1;
      issued.set(id, n);
      const at = n <= (m.expiredUrls ?? 0) ? 0 : Date.now();
      const size = m.body?.length ?? m.size!;
      const sha = m.sha256 === undefined ? (m.body ? sha256Of(m.body) : undefined) : m.sha256;
      return json(res, 200, {
        messaging_product: 'whatsapp',
        url: m.urlOverride ?? `${base}/dl/${encodeURIComponent(id)}?n=${n}&at=${at}`,
        mime_type: m.mimeType ?? 'image/jpeg',
        ...(sha !== null && sha !== undefined ? { sha256: sha } : {}),
        ...(m.fileSize === null ? {} : { file_size: m.fileSize ?? size }),
        id,
      });
    }
    const dl = /^\/dl\/([^/]+)$/.exec(u.pathname);
    if (dl && req.method === 'GET') {
      if (!authorised) return json(res, 401, { error: { message: 'token required' } });
      const id = decodeURIComponent(dl[1]!);
      const m = media.get(id);
      const at = Number(u.searchParams.get('at'));
      if (!m) return json(res, 404, {});
      if (at === 0 || (m.urlTtlMs !== undefined && Date.now() - at > m.urlTtlMs)) return json(res, 404, { error: { message: 'URL signature expired' } });
      if (bump(`download:${id}`) <= (m.downloadFailures ?? 0)) return json(res, 404, {});
      if (m.redirectTo) {
        res.writeHead(302, { location: m.redirectTo }).end();
        return;
      }
      const size = m.body?.length ?? m.size!;
      res.writeHead(200, { 'content-type': m.mimeType ?? 'image/jpeg', ...(m.chunked ? {} : { 'content-length': String(size) }) });
      if (m.stallAfter !== undefined) {
        res.write(m.body!.subarray(0, m.stallAfter));
        return; // and never another byte
      }
      await writeAll(res, m.chunks ? m.chunks() : chunked(m.body!));
      return;
    }
    json(res, 404, {});
  }
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  const port = (server.address() as AddressInfo).port;
  base = `http://127.0.0.1:${port}`;
  return {
    url: base, hostPort: `127.0.0.1:${port}`, port, token, media, files, routes, requests,
    close: () => new Promise<void>((r) => {
      server.closeAllConnections();
      server.close(() => r());
    }),
  };
}

function* chunked(b: Buffer, size = 64 * 1024): Iterable<Buffer> {
  for (let at = 0; at < b.length; at += size) yield b.subarray(at, at + size);
}
