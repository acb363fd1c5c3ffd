import { connect, type Socket } from 'node:net';

export interface RawExchange {
  /** Everything the server sent. */
  readonly text: string;
  /** Whether the server closed the connection. */
  readonly closed: boolean;
}

/**
 * Opens a raw connection, writes `head` (a request head without its final
 * blank line) and `body` if any, and resolves with what came back once the
 * connection closes or `waitMs` has passed, whichever is first. A body given
 * as pieces is written one piece every `gapMs`.
 */
export function exchange(port: number, head: string, body?: Uint8Array | readonly Uint8Array[], waitMs = 2000, gapMs = 5): Promise<RawExchange> {
  return new Promise((resolve) => {
    let text = '';
    let done = false;
    const s: Socket = connect(port, '127.0.0.1', () => {
      s.write(`${head}\r\n\r\n`);
      if (body === undefined) return;
      if (!Array.isArray(body)) return void s.write(body as Uint8Array);
      const parts = body as readonly Uint8Array[];
      let i = 0;
      const more = (): void => {
        if (done || i >= parts.length) return;
        s.write(parts[i++]!);
        setTimeout(more, gapMs);
      };
      more();
    });
    const finish = (closed: boolean): void => {
      if (done) return;
      done = true;
      clearTimeout(timer);
      s.destroy();
      resolve({ text, closed });
    };
    const timer = setTimeout(() => finish(false), waitMs);
    s.on('data', (d: Buffer) => (text += d.toString('latin1')));
    s.on('close', () => finish(true));
    s.on('error', () => finish(true));
  });
}

/** The status code of a raw HTTP answer, or 0 when there is none. */
export const statusOf = (text: string): number => Number(/^HTTP\/1\.1 (\d{3})/.exec(text)?.[1] ?? 0);

/** `body` cut into pieces of `size` bytes. */
export function piecesOf(body: Uint8Array, size: number): Uint8Array[] {
  const out: Uint8Array[] = [];
  for (let at = 0; at < body.length; at += size) out.push(body.subarray(at, at + size));
  return out;
}
