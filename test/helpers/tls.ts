import { execFileSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { request, type Agent } from 'node:https';
import { join } from 'node:path';
import type { TLSSocket } from 'node:tls';

/** Whether `openssl` can be run here, or why not. */
export function opensslAvailable(): { ok: true } | { ok: false; reason: string } {
  try {
    execFileSync('openssl', ['version'], { stdio: 'ignore' });
    return { ok: true };
  } catch (e) {
    return { ok: false, reason: `openssl is not installed (${(e as Error).message})` };
  }
}

export interface SelfSigned {
  readonly certPath: string;
  readonly keyPath: string;
  readonly cert: Buffer;
  readonly key: Buffer;
}

/** A self-signed certificate for 127.0.0.1 and localhost, valid one day, its files named after `name`. */
export function selfSigned(dir: string, name: string): SelfSigned {
  const certPath = join(dir, `${name}.crt`);
  const keyPath = join(dir, `${name}.key`);
  execFileSync('openssl', [
    'req', '-x509', '-newkey', 'ec', '-pkeyopt', 'ec_paramgen_curve:prime256v1', '-nodes', '-days', '1',
    '-subj', `/CN=${name}`, '-addext', 'subjectAltName=IP:127.0.0.1,DNS:localhost',
    '-keyout', keyPath, '-out', certPath,
  ], { stdio: 'ignore' });
  return { certPath, keyPath, cert: readFileSync(certPath), key: readFileSync(keyPath) };
}

export interface HttpsResult {
  readonly status: number;
  readonly text: string;
  /** Common name of the certificate the server presented on this connection. */
  readonly servedCn: string;
  /** Whether the request went over a connection an agent kept from before. */
  readonly reusedSocket: boolean;
}

/** One request over HTTPS, trusting only `ca`, with the certificate the server presented. */
export function httpsRequest(url: string, opts: { ca: Buffer | Buffer[]; agent?: Agent; method?: string; body?: Uint8Array; headers?: Record<string, string> }): Promise<HttpsResult> {
  return new Promise((resolve, reject) => {
    const req = request(url, { method: opts.method ?? (opts.body ? 'POST' : 'GET'), headers: opts.headers, ca: opts.ca, agent: opts.agent ?? false }, (res) => {
      const socket = res.socket as TLSSocket;
      const cn = socket.getPeerCertificate().subject?.CN;
      let text = '';
      res.setEncoding('utf8');
      res.on('data', (d: string) => (text += d));
      res.on('end', () => resolve({ status: res.statusCode ?? 0, text, servedCn: Array.isArray(cn) ? cn.join(',') : cn ?? '', reusedSocket: req.reusedSocket }));
    });
    req.on('error', reject);
    req.end(opts.body);
  });
}
