import { spawn } from 'node:child_process';
import { createHash, randomBytes, randomUUID } from 'node:crypto';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { signCloudApi } from '../../core/signature.js';
import { cloudTextMessage } from '../../loadgen/payloads.js';
import { MAIN_CACHE, PRIMED_SCRIPT_EXPORT } from './code-cache.js';

/**
 * Runs a receiving function once, in a node process started with the
 * flags its runtime uses, through signed deliveries, against a loopback
 * endpoint that answers SQS's SendMessage as SQS does; then writes V8's
 * cache of the code that ran.
 */

/** A loopback endpoint answering SendMessage(Batch) with a message id and the body's MD5, which the SQS client checks. */
function startQueueEndpoint(): Promise<Server> {
  const md5 = (s: string): string => createHash('md5').update(s).digest('hex');
  const server = createServer((req, res) => {
    const parts: Buffer[] = [];
    req.on('data', (d: Buffer) => parts.push(d));
    req.on('end', () => {
      const input = JSON.parse(Buffer.concat(parts).toString('utf8') || '{}') as { MessageBody?: string; Entries?: { Id: string; MessageBody: string }[] };
      const op = String(req.headers['x-amz-target'] ?? '').split('.').pop();
      const out = op === 'SendMessageBatch'
        ? { Successful: (input.Entries ?? []).map((e) => ({ Id: e.Id, MessageId: randomUUID(), MD5OfMessageBody: md5(e.MessageBody) })), Failed: [] }
        : { MessageId: randomUUID(), MD5OfMessageBody: md5(input.MessageBody ?? '') };
      res.writeHead(200, { 'content-type': 'application/x-amz-json-1.0' }).end(JSON.stringify(out));
    });
  });
  return new Promise((resolve) => server.listen(0, '127.0.0.1', () => resolve(server)));
}

/**
 * A signed delivery through each front door the SAM template makes (a
 * function URL and an HTTP API, both payload 2.0). What else a function
 * meets (the handshake, a REST API or ALB event) compiles when it comes:
 * every function in the cache costs each cold start its share of reading it.
 */
function primeEvents(secret: string): unknown[] {
  const nowSec = Math.floor(Date.now() / 1000);
  return ['abc.lambda-url.us-east-1.on.aws', 'abc.execute-api.us-east-1.amazonaws.com'].map((domainName, i) => {
    const body = cloudTextMessage({ id: `wamid.prime.${i}`, nowSec, text: `prime ${i}` });
    return {
      version: '2.0', routeKey: '$default', rawPath: '/webhook', rawQueryString: '',
      headers: { 'content-type': 'application/json', 'x-hub-signature-256': signCloudApi(body, secret) },
      requestContext: { domainName, http: { method: 'POST', path: '/webhook', protocol: 'HTTP/1.1', sourceIp: '203.0.113.7' }, timeEpoch: Date.now() },
      body: body.toString('utf8'), isBase64Encoded: false,
    };
  });
}

const RUNNER = `import { readFileSync, writeFileSync } from 'node:fs';
const events = JSON.parse(readFileSync('./prime-events.json', 'utf8'));
const m = await import('./index.mjs');
for (const event of events) {
  const r = await m.handler(event, { getRemainingTimeInMillis: () => 30000 });
  if (r.statusCode !== 200) { process.stderr.write('a signed delivery was answered ' + JSON.stringify(r) + '\\n'); process.exit(2); }
}
writeFileSync('./${MAIN_CACHE}', m.${PRIMED_SCRIPT_EXPORT}.createCachedData());
process.exit(0);
`;

/**
 * The code cache of a receiving function whose files (`index.mjs` the
 * loader, `main.js` and its chunks) are given, primed in a node process
 * started with `nodeFlags`. Throws with the process's own words when the
 * run fails.
 */
export async function primeCodeCache(files: ReadonlyMap<string, Uint8Array>, nodeFlags: readonly string[], timeoutMs = 60_000): Promise<Buffer> {
  const dir = mkdtempSync(join(tmpdir(), 'wahook-prime-'));
  const queue = await startQueueEndpoint();
  try {
    for (const [name, data] of files) writeFileSync(join(dir, name), data);
    const secret = randomBytes(16).toString('hex');
    writeFileSync(join(dir, 'prime-events.json'), JSON.stringify(primeEvents(secret)));
    writeFileSync(join(dir, 'prime.mjs'), RUNNER);
    const host = `127.0.0.1:${(queue.address() as AddressInfo).port}`;
    const env = {
      PATH: process.env.PATH ?? '', AWS_LAMBDA_FUNCTION_NAME: 'wahook-prime', AWS_REGION: 'us-east-1', AWS_ACCESS_KEY_ID: 'prime', AWS_SECRET_ACCESS_KEY: 'prime',
      AWS_ENDPOINT_URL_SQS: `http://${host}`, WAHOOK_QUEUE_URL: `sqs://${host}/000000000000/prime`, WAHOOK_APP_SECRET: secret,
    };
    await new Promise<void>((resolve, reject) => {
      const child = spawn(process.execPath, [...nodeFlags, 'prime.mjs'], { cwd: dir, env, stdio: ['ignore', 'ignore', 'pipe'] });
      let err = '';
      child.stderr.on('data', (d: Buffer) => (err += d.toString()));
      const timer = setTimeout(() => child.kill('SIGKILL'), timeoutMs);
      child.on('error', reject);
      child.on('exit', (code, signal) => {
        clearTimeout(timer);
        if (code === 0) resolve();
        else reject(new Error(`the priming run ended with ${code ?? signal}: ${err.trim().split('\n').slice(-3).join(' ')}`));
      });
    });
    return readFileSync(join(dir, MAIN_CACHE));
  } finally {
    queue.close();
    rmSync(dir, { recursive: true, force: true });
  }
}
