import assert from 'node:assert/strict';
import { existsSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import { chromium, type Browser, type Page } from 'playwright-core';
import { PNG } from 'pngjs';
import { createEngine } from '../../src/compose.js';
import { loadConfig } from '../../src/config/load.js';
import type { Provider, WahookEvent } from '../../src/core/events.js';
import { normalize } from '../../src/core/normalize/index.js';
import { createAdminHandler } from '../../src/entry/admin.js';
import { createAdminData } from '../../src/dashboard/admin-data.js';
import { openReadStores } from '../../src/entry/engine-session.js';
import { createLogger } from '../../src/entry/logger.js';
import { createGatewayServer } from '../../src/entry/server.js';
import { buildProfile, loadPrices, parseCostArgs, plan, renderChartSvg } from '../../src/planner/index.js';
import type { AdminData, LiveSnapshot, MediaPanel, MinuteRollup } from '../../src/ports/admin-data.js';
import type { DeadLetter } from '../../src/ports/job-queue.js';
import { defaultPrices } from '../../src/planner/shipped-prices.js';
import { TelemetryHub } from '../../src/telemetry/hub.js';
import { loadFixture, projectRoot } from '../helpers/fixtures.js';
import { SECRET, tempDir } from '../helpers/gateway.js';
import { http } from '../helpers/http.js';
import { cloudTextBody, signedHeaders } from '../helpers/payloads.js';
import { until } from '../helpers/pipeline.js';

const TOKEN = 'dashboard-test-admin-token-5f2c';
const CHROMIUM = '/usr/bin/chromium';
const NOW = Date.now();
const FIXTURES: [string, Provider][] = [
  ['cloud-api/messages/text.json', 'cloud_api'], ['cloud-api/messages/image.json', 'cloud_api'],
  ['cloud-api/statuses/sent-and-delivered.json', 'cloud_api'], ['cloud-api/statuses/read.json', 'cloud_api'],
  ['cloud-api/messages/reaction.json', 'cloud_api'], ['cloud-api/fields/account_update.json', 'cloud_api'],
  ['wasender/messages-received-object.json', 'wasender'], ['wasender/session-status.json', 'wasender'],
];

/** Deterministic traffic with the shape the real stores produce: events come from the real normalizer, cost from the real planner. */
function sampleData(): AdminData & { calls: { since: number[]; limits: number[] } } {
  const calls = { since: [] as number[], limits: [] as number[] };
  const throughput = Array.from({ length: 60 }, (_, i) => Math.round(120 + 80 * Math.sin(i / 7) + 25 * Math.sin(i / 2.3)));
  const first = Math.floor(NOW / 60_000) * 60_000 - 59 * 60_000;
  const rollups: MinuteRollup[] = Array.from({ length: 60 }, (_, i) => {
    const deliveries = Math.round(6000 + 2500 * Math.sin(i / 9));
    return { minute: first + i * 60_000, deliveries, events: Math.round(deliveries * 1.4), bytesIn: deliveries * 2100, duplicates: Math.round(deliveries / 100),
      rejected: i % 17 === 0 ? 3 : 0, p50Ms: 1.6 + 0.4 * Math.sin(i / 5), p99Ms: 7 + 3 * Math.sin(i / 4) + (i % 13 === 0 ? 6 : 0), cpuMsPerDelivery: 0.11, cpuMs: deliveries * 0.11, sampledMs: 60_000, peakRps: Math.round(deliveries / 20), logBytes: deliveries * 4 };
  });
  const events: WahookEvent[] = FIXTURES.flatMap(([file, provider], i) =>
    normalize({ tenant: 'default', provider, deliveryId: String(i + 1), receivedAt: NOW }, loadFixture(file)).events)
    .map((e, i) => ({ ...e, timestamp: NOW - i * 4_000 }));
  const errors = ['WAHOOK_ERR_FORWARD_FAILED: POST returned 503', "WAHOOK_ERR_HANDLER_FAILED: TypeError: Cannot read properties of undefined (reading 'id')"];
  const dead: DeadLetter[] = events.slice(0, 3).map((event, i) => ({ seq: 41 - i, target: i === 1 ? 'handler:onMessage' : 'forward', key: event.key,
    attempts: 8, lastError: errors[i % 2]!, updatedAt: NOW - i * 95_000, event }));
  const sum = (f: (r: MinuteRollup) => number): number => rollups.reduce((a, r) => a + f(r), 0);
  const measured = { windowMinutes: 60, deliveries: sum((r) => r.deliveries), events: sum((r) => r.events), bytesIn: sum((r) => r.bytesIn),
    peakRps: Math.max(...rollups.map((r) => r.peakRps)), p50Ms: 1.7, p99Ms: 9.6, cpuMsPerDelivery: 0.11 };
  const prices = loadPrices(JSON.parse(readFileSync(join(projectRoot(), 'prices', 'prices.json'), 'utf8')));
  const report = plan(buildProfile(parseCostArgs([]), measured), prices);
  const live: LiveSnapshot = { now: NOW, throughput, p50Ms: 1.8, p99Ms: 9.4, queueDepth: 37, oldestPendingAgeMs: 1850, received: 412_345, stored: 412_300,
    duplicates: 3_912, deadLetters: dead.length, events: 577_283, eventsByKind: { message: 301_022, status: 268_114, field: 6_020, session: 2_011, unknown: 116 } };
  const media: MediaPanel = { enabled: true, counts: { pending: 4, ready: 1_204, failed: 1 }, items: [
    { tenant: 'default', messageId: 'wamid.media-3', kind: 'video', state: 'pending', mimeType: 'video/mp4', bytes: null, error: 'WAHOOK_ERR_MEDIA_TIMEOUT: lookaside.fbsbx.com: nothing received for media.readTimeoutMs (30000 ms)', attempts: 2, updatedAt: NOW - 5_000 },
    { tenant: 'default', messageId: 'wamid.media-2', kind: 'image', state: 'ready', mimeType: 'image/jpeg', bytes: 183_412, error: null, attempts: 1, updatedAt: NOW - 65_000 },
    { tenant: 'default', messageId: 'wamid.media-1', kind: 'document', state: 'failed', mimeType: 'application/pdf', bytes: null, error: 'WAHOOK_ERR_MEDIA_EXPIRED: the media id is more than 7 days old', attempts: 1, updatedAt: NOW - 125_000 },
  ] };
  return {
    calls,
    live: async () => ({ ...live, now: Date.now() }),
    // The sample is anchored to NOW while the page asks from live time; a few minutes of slack keep a minute boundary between the two from dropping a point.
    rollups: async (since) => (calls.since.push(since), rollups.filter((r) => r.minute >= since - 5 * 60_000)),
    latestEvents: async (limit) => (calls.limits.push(limit), events.slice(0, limit)),
    deadLetters: async (limit) => dead.slice(0, limit),
    media: async (limit) => ({ ...media, items: media.items.slice(0, limit) }),
    cost: async () => ({ report, svg: renderChartSvg(report) }),
    metrics: async () => '# TYPE wahook_deliveries_total counter\nwahook_deliveries_total 412345\n',
  };
}

/** A gateway that has seen nothing yet: the control case for the charts. */
const emptyData: AdminData = {
  live: async () => ({ now: Date.now(), throughput: new Array<number>(60).fill(0), p50Ms: 0, p99Ms: 0, queueDepth: 0, oldestPendingAgeMs: 0,
    received: 0, stored: 0, duplicates: 0, deadLetters: 0, events: 0, eventsByKind: {} }),
  rollups: async () => [], latestEvents: async () => [], deadLetters: async () => [],
  media: async () => ({ enabled: true, counts: { pending: 0, ready: 0, failed: 0 }, items: [] }),
  cost: async () => ({ report: null, svg: '' }), metrics: async () => '',
};

interface Booted { url: string; close(): Promise<void> }

/**
 * The real edge (as test/helpers/gateway.ts boots it) with the admin handler attached. With `data` null
 * the admin side is the one `wahook serve` wires: telemetry hub, rollup store and the SQLite-backed AdminData.
 */
async function boot(data: AdminData | null, flags: Record<string, unknown> = {}, env: Record<string, string> = {}): Promise<Booted> {
  const dataDir = tempDir('wahook-dashboard-');
  const config = loadConfig({ flags: { host: '127.0.0.1', port: '0', 'data-dir': dataDir, ...flags }, env: { WAHOOK_APP_SECRET: SECRET, ...env } });
  const engine = createEngine(config);
  const store = await engine.openDeliveryStore();
  const rollups = data ? null : await engine.openTelemetryStore();
  const hub = rollups ? new TelemetryHub((r) => void rollups.save(r, config.telemetryRetentionDays)) : undefined;
  const read = rollups ? await openReadStores(config) : null;
  const real = rollups && hub && read ? createAdminData({ log: read.log, query: read.query, jobs: read.pipeline.jobs, telemetry: rollups }, hub, defaultPrices()) : null;
  const extra = createAdminHandler({ config, data: data ?? real! });
  const gateway = createGatewayServer({ config, store, logger: createLogger('silent'), telemetry: hub, extra });
  const { port } = await gateway.listen();
  return {
    url: `http://127.0.0.1:${port}`,
    close: async () => {
      await gateway.shutdown();
      hub?.flush();
      await read?.close();
      await rollups?.close();
      rmSync(dataDir, { recursive: true, force: true });
    },
  };
}

const bearer = (t: string): Record<string, string> => ({ authorization: `Bearer ${t}` });
const EXTERNAL_URL = /\b(?:https?:)?\/\/[a-z0-9.-]+\.[a-z]{2,}/i;

describe('admin API and access rule', { timeout: 30_000 }, () => {
  const data = sampleData();
  let open: Booted, exposed: Booted, closed: Booted, localToken: Booted, metricsLocked: Booted;
  before(async () => {
    [open, exposed, closed, localToken, metricsLocked] = await Promise.all([
      boot(data), boot(data, { host: '0.0.0.0' }, { WAHOOK_ADMIN_TOKEN: TOKEN }), boot(data, { host: '0.0.0.0' }),
      boot(data, {}, { WAHOOK_ADMIN_TOKEN: TOKEN }), boot(data, {}, { WAHOOK_ADMIN_TOKEN: TOKEN, WAHOOK_METRICS_REQUIRE_TOKEN: 'true' }),
    ]);
  });
  after(async () => { await Promise.all([open, exposed, closed, localToken, metricsLocked].map((g) => g?.close())); });

  test('loopback without a token: page, assets and API answer, with a strict CSP', async () => {
    const page = await http(`${open.url}/dashboard`);
    assert.equal(page.status, 200);
    assert.equal(page.headers['content-type'], 'text/html; charset=utf-8');
    assert.match(String(page.headers['content-security-policy']), /^default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' data:/);
    assert.equal(page.headers['set-cookie'], undefined);
    assert.doesNotMatch(page.text, /<script>|<style|\sstyle=|\son[a-z]+=/i, 'no inline script, style or handler');
    const js = await http(`${open.url}/api/assets/dashboard.js`);
    const css = await http(`${open.url}/api/assets/dashboard.css`);
    assert.equal(js.status, 200);
    assert.match(String(js.headers['content-type']), /^text\/javascript/);
    assert.equal(css.status, 200);
    assert.match(String(css.headers['content-type']), /^text\/css/);
    assert.equal((await http(`${open.url}/api/assets/dashboard.js`, { headers: { 'if-none-match': String(js.headers.etag) } })).status, 304);
    // The SVG namespace name is an identifier the browser never fetches; anything else would be an external URL.
    for (const body of [page.text, css.text, js.text.replaceAll("'http://www.w3.org/2000/svg'", "''")]) assert.doesNotMatch(body, EXTERNAL_URL);
    const live = await http(`${open.url}/api/live`);
    assert.equal(live.status, 200);
    assert.equal(live.json().throughput.length, 60);
  });

  test('API routes pass clamped parameters through and 404 the rest', async () => {
    const before = Date.now();
    assert.equal((await http(`${open.url}/api/rollups`)).json().length, 60);
    assert.ok(Math.abs(data.calls.since.at(-1)! - (before - 3_600_000)) < 5_000, 'default window is 60 minutes');
    await http(`${open.url}/api/rollups?minutes=999999999`);
    assert.ok(data.calls.since.at(-1)! >= before - 35 * 86_400_000 - 5_000, 'window is capped at 35 days');
    assert.equal((await http(`${open.url}/api/events?limit=100000`)).status, 200);
    assert.equal(data.calls.limits.at(-1), 500);
    assert.equal((await http(`${open.url}/api/events`)).status, 200);
    assert.equal(data.calls.limits.at(-1), 50);
    assert.equal((await http(`${open.url}/api/dlq?limit=2`)).json().length, 2);
    const cost = (await http(`${open.url}/api/cost`)).json();
    assert.match(cost.svg, /^<svg/);
    assert.ok(['lambda', 'dedicated'].includes(cost.report.recommendation.choice));
    for (const path of ['/api/nope', '/api/constructor', '/api/assets/other.js']) {
      const r = await http(`${open.url}${path}`);
      assert.equal(r.status, 404, path);
      assert.equal(r.json().error.code, 'WAHOOK_ERR_HTTP_NOT_FOUND');
    }
    assert.equal((await http(`${open.url}/api/live`, { method: 'POST', body: '{}' })).status, 405);
    const metrics = await http(`${open.url}/metrics`);
    assert.equal(metrics.headers['content-type'], 'text/plain; version=0.0.4; charset=utf-8');
    assert.match(metrics.text, /wahook_deliveries_total 412345/);
  });

  test('beyond loopback with no token configured, every admin route is closed', async () => {
    for (const path of ['/dashboard', '/dashboard?token=anything', '/api/live', '/api/assets/dashboard.js', '/api/nope']) {
      const r = await http(`${closed.url}${path}`, { headers: bearer('anything') });
      assert.equal(r.status, 401, path);
      assert.equal(r.headers['www-authenticate'], 'Bearer');
      assert.equal(r.json().error.code, 'WAHOOK_ERR_ADMIN_UNAUTHORIZED');
    }
    assert.equal((await http(`${closed.url}/metrics`)).status, 200, '/metrics stays open unless metricsRequireToken');
  });

  test('with a token: only the right bearer, or ?token= on /dashboard, gets in', async () => {
    for (const [path, headers] of [['/dashboard', {}], ['/dashboard', bearer('wrong')], ['/api/live', {}], ['/api/live', bearer(`${TOKEN}x`)],
      [`/api/live?token=${TOKEN}`, {}], [`/api/assets/dashboard.js?token=${TOKEN}`, {}], ['/api/live', { authorization: TOKEN }]] as const) {
      const r = await http(`${exposed.url}${path}`, { headers });
      assert.equal(r.status, 401, `${path} ${JSON.stringify(headers)}`);
      assert.ok(!r.text.includes(TOKEN), 'the token is never echoed');
    }
    assert.equal((await http(`${exposed.url}/dashboard`, { headers: bearer(TOKEN) })).status, 200);
    assert.equal((await http(`${exposed.url}/api/live`, { headers: bearer(TOKEN) })).status, 200);
    assert.equal((await http(`${exposed.url}/api/nope`, { headers: bearer(TOKEN) })).status, 404);
    const page = await http(`${exposed.url}/dashboard?token=${TOKEN}`);
    assert.equal(page.status, 200);
    assert.ok(!page.text.includes(TOKEN));
    // The browser cannot send a bearer; the page's session cookie carries its assets and API calls, never /metrics.
    const cookie = String(page.headers['set-cookie']).split(';')[0]!;
    assert.ok(!cookie.includes(TOKEN));
    assert.equal((await http(`${exposed.url}/api/assets/dashboard.js`, { headers: { cookie } })).status, 200);
    assert.equal((await http(`${exposed.url}/api/assets/dashboard.js`, { headers: { cookie: `${cookie}x` } })).status, 401);
    assert.equal((await http(`${exposed.url}/api/live`, { headers: { cookie } })).status, 200);
    assert.equal((await http(`${exposed.url}/metrics`)).status, 200);
  });

  test('loopback with a token configured requires it; metricsRequireToken locks /metrics', async () => {
    assert.equal((await http(`${localToken.url}/api/live`)).status, 401);
    assert.equal((await http(`${localToken.url}/api/live`, { headers: bearer(TOKEN) })).status, 200);
    assert.equal((await http(`${localToken.url}/metrics`)).status, 200);
    assert.equal((await http(`${metricsLocked.url}/metrics`)).status, 401);
    assert.equal((await http(`${metricsLocked.url}/metrics`, { headers: bearer('nope') })).status, 401);
    assert.equal((await http(`${metricsLocked.url}/metrics`, { headers: bearer(TOKEN) })).status, 200);
  });
});

type Rgb = readonly [number, number, number];
const hex = (h: string): Rgb => [parseInt(h.slice(1, 3), 16), parseInt(h.slice(3, 5), 16), parseInt(h.slice(5, 7), 16)];
const SERIES: Record<string, string[]> = {
  'throughput-chart': ['#1c7ed6', '#d0ebff'], 'latency-chart': ['#2f9e44', '#e8590c'], 'kinds-chart': ['#7048e8'], 'cost-chart': ['#d9480f', '#1864ab'],
};

/** Pixels inside a chart's box within `tol` per channel of one of its series colours, per colour. */
async function seriesPixels(page: Page, png: PNG, id: string, tol = 10): Promise<Record<string, number>> {
  const box = await page.locator(`#${id}`).boundingBox();
  assert.ok(box, `#${id} has a box`);
  const counts: Record<string, number> = {};
  for (const colour of SERIES[id]!) {
    const [r, g, b] = hex(colour);
    let n = 0;
    for (let y = Math.max(0, Math.floor(box.y)); y < Math.min(png.height, box.y + box.height); y++) {
      for (let x = Math.max(0, Math.floor(box.x)); x < Math.min(png.width, box.x + box.width); x++) {
        const i = (y * png.width + x) * 4;
        if (Math.abs(png.data[i]! - r) <= tol && Math.abs(png.data[i + 1]! - g) <= tol && Math.abs(png.data[i + 2]! - b) <= tol) n++;
      }
    }
    counts[colour] = n;
  }
  return counts;
}

const chromiumMissing = existsSync(CHROMIUM) ? false : `no Chromium at ${CHROMIUM}: install it with apt-get install -y chromium`;

describe('dashboard in headless Chromium', { skip: chromiumMissing, timeout: 50_000 }, () => {
  let browser: Browser | undefined;
  let full: Booted, empty: Booted, exposed: Booted, real: Booted;
  before(async () => {
    [full, empty, exposed, real] = await Promise.all([boot(sampleData()), boot(emptyData), boot(sampleData(), { host: '0.0.0.0' }, { WAHOOK_ADMIN_TOKEN: TOKEN }), boot(null)]);
    browser = await chromium.launch({ executablePath: CHROMIUM, timeout: 20_000,
      args: ['--headless', '--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run', '--disable-background-networking', '--disable-component-update', '--disable-sync'] });
  });
  after(async () => { await browser?.close(); await Promise.all([full, empty, exposed, real].map((g) => g?.close())); });

  /** Opens a page and records every request and every console error or CSP violation it causes. */
  async function load(url: string): Promise<{ page: Page; requests: string[]; failures: string[] }> {
    const context = await browser!.newContext({ viewport: { width: 1280, height: 2000 }, deviceScaleFactor: 1 });
    const page = await context.newPage();
    page.setDefaultTimeout(15_000);
    const requests: string[] = [], failures: string[] = [];
    page.on('request', (r) => requests.push(r.url()));
    page.on('response', (r) => { if (r.status() >= 400) failures.push(`${r.status()} ${new URL(r.url()).pathname}`); });
    page.on('console', (m) => { if (m.type() === 'error') failures.push(m.text()); });
    page.on('pageerror', (e) => failures.push(e.message));
    await page.goto(url);
    await page.waitForSelector('#status.live');
    return { page, requests, failures };
  }

  async function screenshot(page: Page, name: string): Promise<PNG> {
    const path = join(tmpdir(), `wahook-${name}-${process.pid}.png`);
    return PNG.sync.read(await page.screenshot({ path, fullPage: true }));
  }

  test('charts, tables and the cost verdict render with data', async (t) => {
    const { page, requests, failures } = await load(`${full.url}/dashboard`);
    await page.waitForFunction(() => ['throughput-chart', 'latency-chart', 'kinds-chart', 'cost-chart']
      .every((id) => Number(document.getElementById(id)?.dataset.points) > 0) && (document.querySelector('#cost-chart img') as HTMLImageElement).naturalWidth > 0);
    assert.equal(await page.getAttribute('#throughput-chart', 'data-points'), '60');
    assert.equal(await page.getAttribute('#latency-chart', 'data-points'), '60');
    assert.equal(await page.getAttribute('#kinds-chart', 'data-points'), '5');
    assert.equal(await page.textContent('#stat-received'), '412,345');
    assert.equal(await page.locator('#dlq-table tbody tr').count(), 3);
    assert.deepEqual(await page.locator('#media-table tbody tr td:nth-child(3)').allTextContents(), ['pending', 'ready', 'failed']);
    assert.deepEqual([await page.textContent('#media-pending'), await page.textContent('#media-ready'), await page.textContent('#media-failed')], ['4', '1,204', '1']);
    assert.match(await page.innerText('#media-table tbody'), /wamid\.media-2\s+ready\s+image\/jpeg\s+183,412\s+1/);
    assert.match(await page.innerText('#media-table tbody'), /WAHOOK_ERR_MEDIA_EXPIRED/);
    const rows = await page.locator('#events-table tbody tr').count();
    assert.ok(rows >= 8, `events table has ${rows} rows`);
    const text = await page.innerText('body');
    assert.ok(!text.includes('16505551234') && text.includes('••••••1234'), 'contacts are masked to the last 4 digits');
    assert.match(await page.innerText('#cost-verdict'), /Recommendation\s+(AWS Lambda|Dedicated servers)[\s\S]*Lambda\s+\$[\d,.]+ \/ month[\s\S]*Break-even/i);
    const png = await screenshot(page, 'dashboard');
    t.diagnostic(`screenshot: ${join(tmpdir(), `wahook-dashboard-${process.pid}.png`)}`);
    for (const id of Object.keys(SERIES)) {
      const counts = await seriesPixels(page, png, id);
      t.diagnostic(`#${id} series pixels ${JSON.stringify(counts)}`);
      for (const [colour, n] of Object.entries(counts)) assert.ok(n > 200, `#${id}: ${n} pixels of ${colour}`);
    }
    assert.deepEqual(requests.filter((u) => !u.startsWith(`${full.url}/`) && !u.startsWith('data:')), [], 'no request leaves the gateway');
    assert.deepEqual(failures, []);
  });

  test('an empty gateway shows "no traffic yet" and draws no series (control)', async () => {
    const { page, failures } = await load(`${empty.url}/dashboard`);
    for (const id of Object.keys(SERIES)) assert.equal(await page.getAttribute(`#${id}`, 'data-points'), '0', id);
    assert.ok(await page.getByText('No traffic yet', { exact: true }).isVisible());
    assert.equal(await page.textContent('#events-table tbody'), 'No events yet');
    assert.equal(await page.textContent('#media-table tbody'), 'No media yet');
    assert.equal(await page.textContent('#media-failed'), '0');
    assert.equal(await page.textContent('#stat-p99'), '–', 'no made-up latency without traffic');
    const png = await screenshot(page, 'dashboard-empty');
    for (const id of Object.keys(SERIES)) {
      const counts = await seriesPixels(page, png, id);
      for (const [colour, n] of Object.entries(counts)) assert.ok(n < 20, `#${id}: ${n} pixels of ${colour} on an empty page`);
    }
    assert.deepEqual(failures, []);
  });

  test('beyond loopback, ?token= opens the page and the page carries the token as a bearer', async () => {
    const denied = await (await browser!.newContext()).newPage();
    assert.equal((await denied.goto(`${exposed.url}/dashboard`))?.status(), 401);
    const { page, failures } = await load(`${exposed.url}/dashboard?token=${TOKEN}`);
    await page.waitForSelector('#throughput-chart[data-points="60"]');
    assert.deepEqual(failures, []);
  });

  test('on the real serve stack, webhooks posted to the edge show up on the page', async (t) => {
    for (let i = 0; i < 40; i++) {
      const body = cloudTextBody(`hello ${i}`);
      assert.equal((await http(`${real.url}/webhook`, { headers: signedHeaders(body, SECRET), body })).status, 200);
    }
    assert.equal((await http(`${real.url}/api/live`)).json().received, 40);
    // The live view counts whole seconds only, so the last posts appear once their second has closed.
    const counted = async (): Promise<boolean> => (await http(`${real.url}/api/live`)).json().throughput.reduce((a: number, b: number) => a + b, 0) === 40;
    await until(counted, 5_000, 'the live view to count all 40 deliveries');
    const { page, failures } = await load(`${real.url}/dashboard`);
    await page.waitForSelector('#throughput-chart[data-points="60"]');
    await page.waitForFunction(() => (document.querySelector('#cost-chart img') as HTMLImageElement).naturalWidth > 0);
    assert.equal(await page.textContent('#stat-received'), '40');
    assert.equal(await page.textContent('#stat-queue'), '40', 'no worker runs here, so every delivery is pending');
    assert.equal(await page.textContent('#media-table tbody'), 'Media is off', 'this stack runs without media');
    const png = await screenshot(page, 'dashboard-real');
    const counts = await seriesPixels(page, png, 'throughput-chart');
    t.diagnostic(`#throughput-chart series pixels ${JSON.stringify(counts)}`);
    assert.ok(counts['#1c7ed6']! > 200);
    assert.deepEqual(failures, []);
  });
});
