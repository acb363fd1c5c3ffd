import { connect, type Socket } from 'node:net';
import { connect as connectTls } from 'node:tls';

/**
 * A lean HTTP/1.1 keep-alive client for load generation: requests are
 * prebuilt byte buffers, responses are parsed only as far as the status line
 * and Content-Length. That keeps the generator's own cost per request far
 * below the servers it measures (autocannon with per-request signing cost
 * more CPU than the bare server it drove here).
 */

export interface Conn {
  send(req: Buffer): Promise<number>;
  close(): void;
}

const HEADER_END = Buffer.from('\r\n\r\n');

/** HTTPS: whether the server's certificate must be valid (a staging host with a self-signed one: false). */
export interface TlsOptions {
  readonly rejectUnauthorized: boolean;
}

/** `timeoutMs`: an answer that takes longer closes the connection and fails the request (0: wait forever). */
export function openConnection(host: string, port: number, timeoutMs = 0, tls?: TlsOptions): Promise<Conn> {
  return new Promise((resolve, reject) => {
    const socket: Socket = tls === undefined
      ? connect({ host, port, noDelay: true })
      : connectTls({ host, port, rejectUnauthorized: tls.rejectUnauthorized, ALPNProtocols: ['http/1.1'], ...(/^[\d.]+$|:/.test(host) ? {} : { servername: host }) }).setNoDelay(true);
    let buf: Buffer = Buffer.alloc(0);
    let waiting: { resolve: (status: number) => void; reject: (e: Error) => void } | null = null;
    const fail = (e: Error): void => {
      const w = waiting;
      waiting = null;
      w?.reject(e);
    };
    socket.on('data', (chunk: Buffer) => {
      buf = buf.length === 0 ? chunk : Buffer.concat([buf, chunk]);
      for (;;) {
        const end = buf.indexOf(HEADER_END);
        if (end === -1) return;
        const head = buf.subarray(0, end).toString('latin1');
        const status = Number(head.slice(9, 12));
        const m = /\r\ncontent-length:\s*(\d+)/i.exec(head);
        const total = end + 4 + (m ? Number(m[1]) : 0);
        if (buf.length < total) return;
        buf = buf.subarray(total);
        const w = waiting;
        waiting = null;
        if (timeoutMs > 0) socket.setTimeout(0);
        w?.resolve(status);
      }
    });
    socket.on('error', (e) => fail(e));
    socket.on('timeout', () => socket.destroy(new Error(`no answer within ${timeoutMs} ms`)));
    socket.on('close', () => fail(new Error('connection closed')));
    socket.once(tls === undefined ? 'connect' : 'secureConnect', () =>
      resolve({
        send: (req) =>
          new Promise<number>((res, rej) => {
            waiting = { resolve: res, reject: rej };
            if (timeoutMs > 0) socket.setTimeout(timeoutMs);
            socket.write(req);
          }),
        close: () => socket.destroy(),
      }),
    );
    socket.once('error', reject);
  });
}

/** Serialises one POST with its headers and body into the bytes sent on the wire. */
export function buildRequest(host: string, path: string, headers: Record<string, string>, body: Buffer): Buffer {
  let head = `POST ${path} HTTP/1.1\r\nhost: ${host}\r\ncontent-length: ${body.length}\r\n`;
  for (const [k, v] of Object.entries(headers)) head += `${k}: ${v}\r\n`;
  return Buffer.concat([Buffer.from(`${head}\r\n`, 'latin1'), body]);
}
