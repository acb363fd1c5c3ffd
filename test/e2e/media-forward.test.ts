import assert from 'node:assert/strict';
import { createHash, randomBytes } from 'node:crypto';
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { rmSync } from 'node:fs';
import { test } from 'node:test';
import { createLogger } from '../../src/entry/logger.js';
import { runWorker } from '../../src/entry/run-worker.js';
import { startFakeGraph } from '../helpers/fake-graph.js';
import { tempDir } from '../helpers/gateway.js';
import { imageMessage } from '../helpers/media.js';
import { cloudEnvelope, messagesChange, seedDeliveries, until, workerConfig } from '../helpers/pipeline.js';

const FORWARD_SECRET = 'whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw';
const nowSec = (): number => Math.floor(Date.now() / 1000);

test('forwarding destinations hear media.ready with where the media is stored, and media.failed with its reason', async () => {
  // Prepare: a destination that keeps what it is sent, a fake Graph API, one image it serves and one sent eight days ago.
  const received: Record<string, unknown>[] = [];
  const destination = createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      received.push({ ...JSON.parse(Buffer.concat(chunks).toString('utf8')), signed: typeof req.headers['webhook-signature'] === 'string' });
      res.writeHead(204).end();
    });
  });
  await new Promise<void>((r) => destination.listen(0, '127.0.0.1', r));
  const graph = await startFakeGraph();
  const dir = tempDir();
  const body = randomBytes(6_000);
  graph.media.set('fresh', { body });
  graph.media.set('old', { body });
  await seedDeliveries(dir, [cloudEnvelope([messagesChange({ messages: [imageMessage('wamid.fresh', '111', nowSec(), 'fresh', body), imageMessage('wamid.old', '222', nowSec() - 8 * 86_400, 'old', body)] })])]);
  const config = workerConfig(dir, { 'forward-url': `http://127.0.0.1:${(destination.address() as AddressInfo).port}/hook`, 'forward-secret': FORWARD_SECRET }, {
    WAHOOK_MEDIA: 'on', WAHOOK_ACCESS_TOKEN: graph.token, WAHOOK_GRAPH_URL: graph.url, WAHOOK_MEDIA_HOSTS: graph.hostPort,
  });
  const worker = await runWorker(config, createLogger('silent'));
  try {
    // Act
    await until(() => received.filter((e) => e['kind'] === 'media').length === 2, 15_000, 'two media events at the destination');

    // Assess
    const byType = new Map(received.filter((e) => e['kind'] === 'media').map((e) => [e['type'], e]));
    const ready = byType.get('media.ready')!;
    const sha = createHash('sha256').update(body).digest('hex');
    assert.deepEqual([ready['messageId'], ready['sha256'], ready['bytes'], ready['storageKey'], ready['signed']], ['wamid.fresh', sha, body.length, `default/${sha.slice(0, 2)}/${sha}`, true]);
    assert.match(String(ready['location']), new RegExp(`^file://.*/default/${sha.slice(0, 2)}/${sha}$`));
    const failed = byType.get('media.failed')!;
    assert.deepEqual([failed['messageId'], failed['code']], ['wamid.old', 'WAHOOK_ERR_MEDIA_EXPIRED']);
    assert.match(String(failed['error']), /7 days/);
    assert.equal(received.filter((e) => e['kind'] === 'message').length, 2, 'the messages themselves were forwarded too');
  } finally {
    await worker.stop();
    await graph.close();
    await new Promise((r) => destination.close(r));
    rmSync(dir, { recursive: true, force: true });
  }
});
