import { connect, type Socket } from 'node:net';
import { settledWithin } from '../../core/settled-within.js';

export interface HttpAnswer {
  readonly status: number;
  /** Lower-case names; a repeated header's values joined with `, `. */
  readonly headers: Readonly<Record<string, string>>;
  readonly body: string;
}

/** A connection failure, coded like node's own socket errors so callers retry it the same way. */
const connectionError = (message: string): Error => Object.assign(new Error(message), { code: 'ECONNRESET' });

const HEAD_END = '\r\n\r\n';
/** Node's own HTTP client takes heads of up to 16 KiB; an AWS answer's is well under 1 KiB. */
const MAX_HEAD_BYTES = 64 * 1024;

interface Parsed {
  readonly status: number;
  readonly headers: Record<string, string>;
  readonly bodyStart: number;
}

const isDigit = (c: string | undefined): boolean => c !== undefined && c >= '0' && c <= '9';

/** `HTTP/1.x NNN …`'s status, or NaN. */
function statusOf(line: string): number {
  const ok = line.startsWith('HTTP/1.') && (line[7] === '0' || line[7] === '1') && line[8] === ' ' && (line.length === 12 || line[12] === ' ');
  return ok && isDigit(line[9]) && isDigit(line[10]) && isDigit(line[11]) ? Number(line.slice(9, 12)) : NaN;
}

/** Whether a comma-separated header value lists `token` (any case). */
function lists(value: string | undefined, token: string): boolean {
  return value !== undefined && value.split(',').some((t) => t.trim().toLowerCase() === token);
}

/** `head`: the answer's bytes up to the empty line, as Latin-1 (one character a byte). */
function parseHead(head: string): Parsed {
  const lines = head.split('\r\n');
  const status = statusOf(lines[0] ?? '');
  if (Number.isNaN(status)) throw connectionError(`not an HTTP/1.1 answer: ${JSON.stringify(lines[0]?.slice(0, 40))}`);
  const headers: Record<string, string> = {};
  for (const line of lines.slice(1)) {
    const colon = line.indexOf(':');
    if (colon <= 0) continue;
    const name = line.slice(0, colon).trim().toLowerCase();
    const value = line.slice(colon + 1).trim();
    headers[name] = headers[name] === undefined ? value : `${headers[name]}, ${value}`;
  }
  return { status, headers, bodyStart: head.length + HEAD_END.length };
}

/** The body of a chunked answer once every chunk has arrived, else null. */
function dechunk(buf: Buffer): Buffer | null {
  const parts: Buffer[] = [];
  let at = 0;
  for (;;) {
    const lineEnd = buf.indexOf('\r\n', at);
    if (lineEnd < 0) return null;
    const size = parseInt(buf.subarray(at, lineEnd).toString('latin1'), 16);
    if (!Number.isFinite(size)) throw connectionError('a malformed chunk size');
    // The last chunk is followed by optional trailer lines and an empty line.
    if (size === 0) return buf.indexOf(HEAD_END, lineEnd) >= 0 ? Buffer.concat(parts) : null;
    const start = lineEnd + 2;
    if (buf.length < start + size + 2) return null;
    parts.push(buf.subarray(start, start + size));
    at = start + size + 2;
  }
}

/**
 * One answer as it arrives: the head once, then the body by its length,
 * its chunks, or the connection's end.
 */
class AnswerReader {
  private head: Parsed | null = null;
  private pending: Buffer | null = null;
  private readonly parts: Buffer[] = [];
  private bytes = 0;

  /** A complete answer, or null while more is due; `closed` says the peer has ended the connection. */
  push(chunk: Buffer | null, closed: boolean): { answer: HttpAnswer; reusable: boolean } | null {
    if (this.head === null) {
      if (chunk !== null) this.pending = this.pending === null ? chunk : Buffer.concat([this.pending, chunk]);
      if (this.pending === null) return null;
      // Searched as text: a first Buffer.indexOf compiles more of node's code than decoding the head costs.
      const text = this.pending.toString('latin1');
      const end = text.indexOf(HEAD_END);
      if (end < 0 && this.pending.length > MAX_HEAD_BYTES) throw connectionError(`an answer head longer than ${MAX_HEAD_BYTES} bytes`);
      if (end < 0) return null;
      this.head = parseHead(text.slice(0, end));
      chunk = this.pending.subarray(this.head.bodyStart);
    }
    if (chunk !== null && chunk.length > 0) {
      this.parts.push(chunk);
      this.bytes += chunk.length;
    }
    const h = this.head;
    // String checks rather than regular expressions: each of those is compiled on its first use, at a cold start.
    const keep = !lists(h.headers.connection, 'close');
    const done = (body: Buffer, reusable: boolean) => ({ answer: { status: h.status, headers: h.headers, body: body.toString('utf8') }, reusable });
    if (lists(h.headers['transfer-encoding'], 'chunked')) {
      const body = dechunk(this.joined());
      return body === null ? null : done(body, keep);
    }
    if (h.headers['content-length'] !== undefined) {
      const length = Number(h.headers['content-length']);
      return this.bytes >= length ? done(this.joined().subarray(0, length), keep && this.bytes === length) : null;
    }
    if (h.status === 204 || h.status === 304) return done(Buffer.alloc(0), keep);
    return closed ? done(this.joined(), false) : null;
  }

  /** The body's parts as one buffer; most answers arrive in one. */
  private joined(): Buffer {
    return this.parts.length === 1 ? this.parts[0]! : Buffer.concat(this.parts);
  }
}

/** How long a connection made ahead of its first request may take; that request then connects itself. */
const PRECONNECT_TIMEOUT_MS = 10_000;

/**
 * HTTP/1.1 requests over keep-alive connections, one request at a time on
 * each, for the AWS JSON APIs wahook calls without the SDK. Written on
 * node:net (and node:tls for HTTPS) because node:http is a large part of a
 * Lambda's cold start and these calls need little of it: a POST with a
 * known length, and an answer with a length, chunks, or the connection's
 * end. Idle connections do not hold a process open.
 */
export class HttpClient {
  private readonly idle = new Map<string, Socket[]>();
  private readonly open = new Set<Socket>();
  /** Connections being made ahead of a first request, by origin; `done` once made or failed. */
  private readonly early = new Map<string, { readonly socket: Promise<Socket | null>; done: boolean }>();

  /**
   * `timeoutMs` bounds the whole exchange: a keep-alive connection that a
   * NAT or a frozen Lambda container left half-open would otherwise wait
   * for an answer for ever. A timeout is reported like a reset, so it is
   * retried. The request is written first and the rest set up while it
   * travels (no answer can be read before this call returns); `whileSent`
   * runs then too, for work the answer will need.
   */
  async post(url: URL, headers: Readonly<Record<string, string>>, body: string, timeoutMs = 30_000, whileSent?: () => void): Promise<HttpAnswer> {
    const origin = `${url.protocol}//${url.host}`;
    const startedAt = Date.now();
    const left = (): number => Math.max(1, timeoutMs - (Date.now() - startedAt));
    const socket = this.idle.get(origin)?.pop() ?? (await this.takeEarly(origin, timeoutMs)) ?? (await this.connect(url, left()));
    socket.ref();
    const head = [`POST ${url.pathname}${url.search} HTTP/1.1`, ...Object.entries(headers).map(([k, v]) => `${k}: ${v}`), '', ''].join('\r\n');
    // One limit for connecting and answering together.
    const answerMs = left();
    return new Promise((resolve, reject) => {
      socket.write(head + body);
      const reader = new AnswerReader();
      const timer = setTimeout(() => done(Object.assign(new Error(`no answer within ${timeoutMs} ms`), { code: 'ETIMEDOUT' })), answerMs);
      const done = (e: Error | null, r?: { answer: HttpAnswer; reusable: boolean }): void => {
        clearTimeout(timer);
        socket.off('data', onData).off('end', onEnd).off('error', onError).off('close', onEnd);
        if (e !== null || r === undefined) {
          socket.destroy();
          reject(e ?? connectionError('the connection closed before an answer'));
          return;
        }
        if (r.reusable && !socket.destroyed) this.release(origin, socket);
        else socket.destroy();
        resolve(r.answer);
      };
      const read = (chunk: Buffer | null, closed: boolean): void => {
        let r;
        try {
          r = reader.push(chunk, closed);
        } catch (e) {
          return done(e as Error);
        }
        if (r !== null) done(null, r);
        else if (closed) done(null);
      };
      const onData = (chunk: Buffer): void => read(chunk, false);
      const onEnd = (): void => read(null, true);
      const onError = (e: Error): void => done(e);
      socket.on('data', onData).on('end', onEnd).on('error', onError).on('close', onEnd);
      whileSent?.();
    });
  }

  /**
   * Opens a connection to `url`'s origin and keeps it idle for the first
   * request, so the handshake (TCP, and TLS for HTTPS) overlaps other
   * work. A failure here is dropped: that request connects again and
   * reports its own error.
   */
  preconnect(url: URL, timeoutMs = PRECONNECT_TIMEOUT_MS): void {
    const origin = `${url.protocol}//${url.host}`;
    if ((this.idle.get(origin)?.length ?? 0) > 0 || this.early.has(origin)) return;
    const entry = {
      done: false,
      socket: this.connect(url, timeoutMs).then((socket) => {
        socket.unref();
        entry.done = true;
        return socket;
      }, () => {
        entry.done = true;
        return null;
      }),
    };
    this.early.set(origin, entry);
  }

  /**
   * The connection made ahead, waited for at most `waitMs` (a request's own limit, not the preconnect's): one still
   * being made after that is dropped, and the request connects itself with what time it has left.
   */
  private async takeEarly(origin: string, waitMs: number): Promise<Socket | null> {
    const early = this.early.get(origin);
    if (early === undefined) return null;
    this.early.delete(origin);
    const socket = early.done ? await early.socket : await settledWithin(early.socket, waitMs);
    if (socket === undefined) {
      void early.socket.then((late) => late?.destroy());
      return null;
    }
    return socket === null || socket.destroyed ? null : socket;
  }

  /**
   * A peer that takes the TCP connection and never finishes the handshake
   * (TLS above all) is given up after `timeoutMs` of silence, reported like
   * a reset so that the call is retried on a new connection.
   */
  private async connect(url: URL, timeoutMs: number): Promise<Socket> {
    const https = url.protocol === 'https:';
    const port = Number(url.port || (https ? 443 : 80));
    const host = url.hostname.startsWith('[') ? url.hostname.slice(1, -1) : url.hostname;
    const [socket, ready] = https
      ? [(await import('node:tls')).connect({ host, port, ALPNProtocols: ['http/1.1'], ...(/^[\d.:]+$/.test(host) ? {} : { servername: host }) }), 'secureConnect']
      : [connect({ host, port, noDelay: true }), 'connect'];
    this.open.add(socket);
    socket.once('close', () => this.forget(socket));
    await new Promise<void>((resolve, reject) => {
      const failed = (e: Error): void => {
        clearTimeout(stalled);
        reject(e);
      };
      const stalled = setTimeout(() => {
        socket.off('error', failed);
        socket.destroy();
        reject(Object.assign(new Error(`no connection within ${timeoutMs} ms`), { code: 'ETIMEDOUT' }));
      }, timeoutMs);
      socket.once(ready, () => {
        clearTimeout(stalled);
        socket.off('error', failed);
        resolve();
      });
      socket.once('error', failed);
    });
    // An idle connection the peer resets must not become an uncaught error; it is dropped and a new one made.
    socket.on('error', () => socket.destroy());
    return socket;
  }

  private release(origin: string, socket: Socket): void {
    socket.unref();
    const list = this.idle.get(origin) ?? [];
    list.push(socket);
    this.idle.set(origin, list);
  }

  private forget(socket: Socket): void {
    this.open.delete(socket);
    for (const list of this.idle.values()) {
      const i = list.indexOf(socket);
      if (i >= 0) list.splice(i, 1);
    }
  }

  close(): void {
    for (const s of this.open) s.destroy();
    this.open.clear();
    this.idle.clear();
    this.early.clear();
  }
}
