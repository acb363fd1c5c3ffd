import { createServer, type Server } from 'node:http';

/** One operation of an AWS JSON-protocol service: the parsed request body in, the response body out. */
export type JsonOperation = (input: Record<string, unknown>) => unknown | Promise<unknown>;

/** A service error as the AWS JSON protocols carry it: status 400 and `__type`. */
export class AwsJsonError extends Error {
  constructor(readonly type: string, message: string, readonly status = 400) {
    super(message);
  }
}

export interface AwsJsonServer {
  readonly endpoint: string;
  readonly calls: Map<string, number>;
  close(): Promise<void>;
}

/**
 * A loopback HTTP server that answers the AWS JSON 1.0/1.1 protocols the
 * way the real services do on the wire: POST /, `X-Amz-Target: <prefix>.<Op>`,
 * a JSON body in and out, errors as `{"__type": …}`. Signatures are not
 * checked: this is a test double, not an emulator.
 */
export async function startAwsJsonServer(targetPrefix: string, ops: Record<string, JsonOperation>, contentType = 'application/x-amz-json-1.0'): Promise<AwsJsonServer> {
  const calls = new Map<string, number>();
  const server: Server = createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      const target = String(req.headers['x-amz-target'] ?? '');
      const op = target.startsWith(`${targetPrefix}.`) ? target.slice(targetPrefix.length + 1) : '';
      const answer = (status: number, body: unknown, extra: Record<string, string> = {}): void => {
        const text = JSON.stringify(body);
        res.writeHead(status, { 'content-type': contentType, 'content-length': String(Buffer.byteLength(text)), 'x-amzn-requestid': `req-${Date.now()}`, ...extra });
        res.end(text);
      };
      const handler = ops[op];
      if (handler === undefined) return answer(400, { __type: 'UnknownOperationException', message: `no operation ${target}` });
      calls.set(op, (calls.get(op) ?? 0) + 1);
      let input: Record<string, unknown>;
      try {
        input = chunks.length === 0 ? {} : (JSON.parse(Buffer.concat(chunks).toString('utf8')) as Record<string, unknown>);
      } catch {
        return answer(400, { __type: 'SerializationException', message: 'body is not JSON' });
      }
      Promise.resolve()
        .then(() => handler(input))
        .then(
          (out) => answer(200, out ?? {}),
          (e: unknown) => {
            if (e instanceof AwsJsonError) answer(e.status, { __type: e.type, message: e.message });
            else answer(500, { __type: 'InternalFailure', message: String(e) });
          },
        );
    });
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  const { port } = server.address() as { port: number };
  return {
    endpoint: `http://127.0.0.1:${port}`,
    calls,
    close: () => new Promise<void>((r) => {
      server.closeAllConnections();
      server.close(() => r());
    }),
  };
}
