import assert from 'node:assert/strict';
import { existsSync, rmSync } from 'node:fs';
import { createServer as createHttpServer, request, type Server } from 'node:http';
import { createServer as createTcpServer, connect, type Server as TcpServer } from 'node:net';
import { after, before, describe, test } from 'node:test';
import { chromium } from 'playwright-core';
import { createEngine } from '../../src/compose.js';
import { loadConfig } from '../../src/config/load.js';
import type { Provider, WahookEvent } from '../../src/core/events.js';
import { normalize } from '../../src/core/normalize/index.js';
import { createAdminHandler } from '../../src/entry/admin.js';
import { createLogger } from '../../src/entry/logger.js';
import { createGatewayServer } from '../../src/entry/server.js';
import type { AdminData } from '../../src/ports/admin-data.js';
import type { DeadLetter } from '../../src/ports/job-queue.js';
import { loadFixture } from '../helpers/fixtures.js';
import { SECRET, tempDir } from '../helpers/gateway.js';
import { http } from '../helpers/http.js';

const TOKEN = 'hardening-admin-token-7d41';
const CHROMIUM = '/usr/bin/chromium';
// Every number these fixtures carry, in full; none may leave the API unless asked for with the token.
const PHONES = ['16505551234', '15550100001', '15550783881'];

function fixtureEvents(): WahookEvent[] {
  const files: [string, Provider][] = [
    ['cloud-api/messages/text.json', 'cloud_api'], ['cloud-api/statuses/read.json', 'cloud_api'],
    ['cloud-api/fields/account_update.json', 'cloud_api'], ['wasender/messages-received-object.json', 'wasender'],
  ];
  return files.flatMap(([f, provider], i) => normalize({ tenant: 'default', provider, deliveryId: String(i + 1), receivedAt: 1 }, loadFixture(f)).events);
}

function adminData(): AdminData {
  const events = fixtureEvents();
  // A group status: the participant's number is part of the key.
  const dead: DeadLetter[] = [{ seq: 1, target: 'forward', key: `${events[1]!.key}:16505551234`, attempts: 1, lastError: 'WAHOOK_ERR_FORWARD_REJECTED: HTTP 404', updatedAt: 1, event: events[1]! }];
  return {
    live: async () => ({ now: Date.now(), throughput: new Array<number>(60).fill(0), p50Ms: 0, p99Ms: 0, queueDepth: 0, oldestPendingAgeMs: 0,
      received: 0, stored: 0, duplicates: 0, deadLetters: 1, events: events.length, eventsByKind: {} }),
    rollups: async () => [], latestEvents: async (limit) => events.slice(0, limit), deadLetters: async (limit) => dead.slice(0, limit),
    media: async () => ({ enabled: false, counts: { pending: 0, ready: 0, failed: 0 }, items: [] }),
    cost: async () => ({ report: null, svg: '' }), metrics: async () => 'wahook_up 1\n',
  };
}

interface Booted { url: string; port: number; close(): Promise<void> }

async function boot(flags: Record<string, unknown> = {}, env: Record<string, string> = {}): Promise<Booted> {
  const dataDir = tempDir('wahook-hardening-admin-');
  const config = loadConfig({ flags: { host: '127.0.0.1', port: '0', 'data-dir': dataDir, ...flags }, env: { WAHOOK_APP_SECRET: SECRET, ...env } });
  const store = await createEngine(config).openDeliveryStore();
  const gateway = createGatewayServer({ config, store, logger: createLogger('silent'), extra: createAdminHandler({ config, data: adminData() }) });
  const { port } = await gateway.listen();
  return { url: `http://127.0.0.1:${port}`, port, close: async () => { await gateway.shutdown(); rmSync(dataDir, { recursive: true, force: true }); } };
}

/** A reverse proxy that adds no forwarding header, as a plain `proxy_pass` with `proxy_set_header Host $host` does. */
async function reverseProxy(upstreamPort: number): Promise<{ port: number; server: Server }> {
  const server = createHttpServer((req, res) => {
    const up = request({ host: '127.0.0.1', port: upstreamPort, method: req.method, path: req.url, headers: req.headers, agent: false }, (r) => {
      res.writeHead(r.statusCode ?? 502, r.headers);
      r.pipe(res);
    });
    up.on('error', () => { res.statusCode = 502; res.end(); });
    req.pipe(up);
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', () => r()));
  return { port: (server.address() as { port: number }).port, server };
}

/** A TCP tunnel (what `ssh -L` or socat gives): bytes pass unchanged, from another port. */
async function tunnel(upstreamPort: number): Promise<{ port: number; server: TcpServer }> {
  const server = createTcpServer((c) => {
    const up = connect(upstreamPort, '127.0.0.1');
    c.pipe(up).pipe(c);
    c.on('error', () => up.destroy());
    up.on('error', () => c.destroy());
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', () => r()));
  return { port: (server.address() as { port: number }).port, server };
}

const bearer = { authorization: `Bearer ${TOKEN}` };

describe('admin surface on a loopback bind', { timeout: 30_000 }, () => {
  let open: Booted, tokened: Booted;
  before(async () => { [open, tokened] = await Promise.all([boot(), boot({}, { WAHOOK_ADMIN_TOKEN: TOKEN, WAHOOK_METRICS_REQUIRE_TOKEN: 'true' })]); });
  after(async () => { await Promise.all([open, tokened].map((g) => g?.close())); });

  test('without a token, a caller reaching the loopback port through a proxy, a tunnel or a rebound name is refused', async () => {
    const proxy = await reverseProxy(open.port);
    const tcp = await tunnel(open.port);
    try {
      assert.equal((await http(`${open.url}/api/events`)).status, 200, 'a local caller that names the listener gets in');
      assert.equal((await http(`http://localhost:${open.port}/api/live`)).status, 200);
      const denied: [string, Record<string, string>][] = [
        // Through the proxy the caller's Host is the public name the proxy serves.
        [`http://127.0.0.1:${proxy.port}/api/events`, { host: 'wahook.example.com' }],
        [`http://127.0.0.1:${proxy.port}/dashboard`, { host: 'wahook.example.com' }],
        // Through the tunnel the browser names the tunnel's own port.
        [`http://127.0.0.1:${tcp.port}/api/events`, {}],
        [`http://127.0.0.1:${tcp.port}/api/assets/dashboard.js`, {}],
        // DNS rebinding: the page's origin name, now resolving to 127.0.0.1.
        [`${open.url}/api/events`, { host: `rebind.attacker.example:${open.port}` }],
        [`${open.url}/api/events`, { host: `127.0.0.1.nip.io:${open.port}` }],
      ];
      for (const [url, headers] of denied) {
        const r = await http(url, { headers });
        assert.equal(r.status, 401, `${url} ${JSON.stringify(headers)}`);
        assert.equal(r.json().error.code, 'WAHOOK_ERR_ADMIN_UNAUTHORIZED');
        assert.ok(!PHONES.some((p) => r.text.includes(p)));
      }
    } finally {
      proxy.server.closeAllConnections();
      await new Promise((r) => proxy.server.close(r));
      await new Promise((r) => tcp.server.close(r));
    }
  });

  test('phone numbers leave the API masked; full numbers only for phones=full with the admin token as a bearer', async () => {
    const events = await http(`${open.url}/api/events`);
    assert.equal(events.status, 200);
    for (const p of PHONES) assert.ok(!events.text.includes(p), `${p} left in full`);
    const list = events.json() as WahookEvent[];
    const text = list.find((e) => e.type === 'text')!;
    assert.equal(text.contact, '******1234');
    assert.equal(text.from, '******1234');
    assert.equal(text.text, 'Hi, has my order shipped yet?', 'the rest of the event is untouched');
    assert.equal(text.messageId, 'wamid.HBgLMTY1MDU1NTEyMzQVAgASGBQzQTdCNTg5RjBFMzQ4QjhBNEMwMgA=');
    assert.equal(text.phoneNumberId, '106540352242922', 'ids that are not numbers stay');
    assert.equal(list.find((e) => e.provider === 'wasender')!.remoteJid, '******0001@s.whatsapp.net');
    assert.deepEqual((list.find((e) => e.type === 'account_update')!.value as Record<string, unknown>).phone_number, '******3881');
    const dlq = await http(`${open.url}/api/dlq`);
    for (const p of PHONES) assert.ok(!dlq.text.includes(p), `${p} left in full in the dead letters`);
    assert.match(dlq.json()[0].key, /:read:\*{6}1234$/);

    // Asking without the token is refused, not silently masked: the caller learns why.
    for (const [g, headers] of [[open, {}], [tokened, {}]] as const) {
      const r = await http(`${g.url}/api/events?phones=full`, { headers });
      assert.notEqual(r.status, 200);
      assert.ok(!PHONES.some((p) => r.text.includes(p)));
    }
    const viaCookie = String((await http(`${tokened.url}/dashboard?token=${TOKEN}`)).headers['set-cookie']).split(';')[0]!;
    const denied = await http(`${tokened.url}/api/events?phones=full`, { headers: { cookie: viaCookie } });
    assert.equal(denied.status, 403);
    assert.equal(denied.json().error.code, 'WAHOOK_ERR_ADMIN_REVEAL_DENIED');
    assert.equal((await http(`${open.url}/api/events?phones=full`)).json().error.code, 'WAHOOK_ERR_ADMIN_REVEAL_DENIED');

    const masked = await http(`${tokened.url}/api/events`, { headers: bearer });
    assert.ok(!PHONES.some((p) => masked.text.includes(p)), 'the token alone does not unmask');
    const full = await http(`${tokened.url}/api/events?phones=full`, { headers: bearer });
    assert.equal(full.status, 200);
    assert.equal((full.json() as WahookEvent[]).find((e) => e.type === 'text')!.contact, '16505551234');
    assert.ok((await http(`${tokened.url}/api/dlq?phones=full`, { headers: bearer })).text.includes('16505551234'));
  });

  test('?token= turns into an HttpOnly, SameSite=Strict session cookie that carries the page, its assets and the API', async () => {
    const page = await http(`${tokened.url}/dashboard?token=${TOKEN}`);
    assert.equal(page.status, 200);
    const set = String(page.headers['set-cookie']);
    assert.match(set, /^wahook_session=[A-Za-z0-9_-]+; Path=\/; HttpOnly; SameSite=Strict$/);
    assert.ok(!set.includes(TOKEN));
    const cookie = set.split(';')[0]!;
    for (const path of ['/dashboard', '/api/assets/dashboard.js', '/api/live', '/api/events']) {
      assert.equal((await http(`${tokened.url}${path}`, { headers: { cookie } })).status, 200, path);
      assert.equal((await http(`${tokened.url}${path}`)).status, 401, `${path} without the cookie`);
    }
    assert.equal((await http(`${tokened.url}/metrics`, { headers: { cookie } })).status, 401, 'the cookie is for the browser, not for scrapers');
    const overTls = await http(`${tokened.url}/dashboard?token=${TOKEN}`, { headers: { 'x-forwarded-proto': 'https' } });
    assert.match(String(overTls.headers['set-cookie']), /; HttpOnly; SameSite=Strict; Secure$/);
    // The page no longer reads the token from its address, and takes it out of the address bar.
    const js = (await http(`${tokened.url}/api/assets/dashboard.js`, { headers: { cookie } })).text;
    assert.match(js, /history\.replaceState\(/);
    assert.doesNotMatch(js, /'Bearer '|get\('token'\)/, 'the token is never read by the page nor sent as a bearer');
  });
});

const chromiumMissing = existsSync(CHROMIUM) ? false : `no Chromium at ${CHROMIUM}`;

test('in a browser, the token leaves the address bar and the dashboard keeps working on the cookie', { skip: chromiumMissing, timeout: 60_000 }, async () => {
  const g = await boot({ host: '0.0.0.0' }, { WAHOOK_ADMIN_TOKEN: TOKEN });
  const browser = await chromium.launch({ executablePath: CHROMIUM, timeout: 20_000, args: ['--headless', '--no-sandbox', '--disable-gpu', '--no-first-run'] });
  try {
    const context = await browser.newContext();
    const page = await context.newPage();
    page.setDefaultTimeout(15_000);
    const apiAuth: (string | undefined)[] = [];
    page.on('request', (r) => { if (new URL(r.url()).pathname.startsWith('/api/events')) apiAuth.push(r.headers().authorization); });
    await page.goto(`${g.url}/dashboard?token=${TOKEN}#top`);
    await page.waitForSelector('#status.live');
    assert.equal(page.url(), `${g.url}/dashboard#top`);
    assert.ok(apiAuth.length > 0 && apiAuth.every((a) => a === undefined), 'the API calls carry no token');
    const cookies = await context.cookies();
    assert.equal(cookies.length, 1);
    assert.equal(cookies[0]!.httpOnly, true);
    assert.equal(cookies[0]!.sameSite, 'Strict');
    assert.ok(!(await page.evaluate(() => document.cookie)).includes('wahook_session'), 'scripts cannot read it');
    const rows = await page.locator('#events-table tbody tr').count();
    assert.ok(rows >= 4, `${rows} event rows`);
    await page.reload();
    await page.waitForSelector('#status.live');
  } finally {
    await browser.close();
    await g.close();
  }
});
