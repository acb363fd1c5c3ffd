import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { rmSync } from 'node:fs';
import { test } from 'node:test';
import type { MediaPanel } from '../../src/ports/admin-data.js';
import { startFakeGraph } from '../helpers/fake-graph.js';
import { SECRET, tempDir } from '../helpers/gateway.js';
import { http } from '../helpers/http.js';
import { imageMessage } from '../helpers/media.js';
import { signedHeaders } from '../helpers/payloads.js';
import { cloudEnvelope, messagesChange, until } from '../helpers/pipeline.js';
import { freePort, spawnWahook, waitForHttp } from '../helpers/process.js';

const TOKEN = 'media-panel-admin-token-7d1e';
const nowSec = (): number => Math.floor(Date.now() / 1000);

test('serve answers /api/media with items per state and the latest items, behind the admin token like the rest of /api', async () => {
  // Prepare: `wahook serve` with media on, downloading from a fake Graph API; one image it serves, one whose hash it gets wrong.
  const graph = await startFakeGraph();
  const dataDir = tempDir();
  const port = await freePort();
  const good = randomBytes(20_000);
  const bad = randomBytes(3_000);
  graph.media.set('good', { body: good, mimeType: 'image/png' });
  graph.media.set('bad', { body: bad, sha256: 'ab'.repeat(32) });
  const server = spawnWahook(['serve'], {
    WAHOOK_APP_SECRET: SECRET, WAHOOK_DATA_DIR: dataDir, PORT: String(port), WAHOOK_HOST: '127.0.0.1', WAHOOK_ADMIN_TOKEN: TOKEN,
    WAHOOK_MEDIA: 'on', WAHOOK_ACCESS_TOKEN: graph.token, WAHOOK_GRAPH_URL: graph.url, WAHOOK_MEDIA_HOSTS: graph.hostPort, WAHOOK_MEDIA_MAX_ATTEMPTS: '1',
  });
  const api = (path: string, headers: Record<string, string> = { authorization: `Bearer ${TOKEN}` }) => http(`http://127.0.0.1:${port}${path}`, { headers });
  try {
    await waitForHttp(`http://127.0.0.1:${port}/healthz`);
    const body = Buffer.from(JSON.stringify(cloudEnvelope([messagesChange({ messages: [imageMessage('wamid.good', '111', nowSec(), 'good', good), imageMessage('wamid.bad', '222', nowSec(), 'bad', bad)] })])));
    assert.equal((await http(`http://127.0.0.1:${port}/webhook`, { body, headers: signedHeaders(body, SECRET) })).status, 200);

    // Act
    let panel: MediaPanel | undefined;
    await until(async () => {
      panel = (await api('/api/media')).json() as MediaPanel;
      return panel.counts.pending === 0 && panel.items.length === 2;
    }, 20_000, 'both downloads to settle');

    // Assess
    assert.deepEqual([panel!.enabled, panel!.counts], [true, { pending: 0, ready: 1, failed: 1 }]);
    const byId = new Map(panel!.items.map((i) => [i.messageId, i]));
    assert.deepEqual([byId.get('wamid.good')!.state, byId.get('wamid.good')!.mimeType, byId.get('wamid.good')!.bytes, byId.get('wamid.good')!.error], ['ready', 'image/png', good.length, null]);
    assert.equal(byId.get('wamid.bad')!.state, 'failed');
    assert.match(byId.get('wamid.bad')!.error!, /^WAHOOK_ERR_MEDIA_INTEGRITY: /);
    assert.ok(!('location' in byId.get('wamid.good')!), 'where objects are stored is not shown');
    assert.equal(((await api('/api/media?limit=1')).json() as MediaPanel).items.length, 1);
    for (const headers of [{}, { authorization: 'Bearer wrong' }] as Record<string, string>[]) {
      const denied = await api('/api/media', headers);
      assert.equal(denied.status, 401);
      assert.equal(denied.json().error.code, 'WAHOOK_ERR_ADMIN_UNAUTHORIZED');
    }
    assert.equal((await api(`/api/media?token=${TOKEN}`, {})).status, 401, 'a token in the query string opens only /dashboard');
  } finally {
    server.child.kill('SIGTERM');
    await server.exited;
    await graph.close();
    rmSync(dataDir, { recursive: true, force: true });
  }
});
