import assert from 'node:assert/strict';
import { readFileSync, rmSync } from 'node:fs';
import { connect, type Socket } from 'node:net';
import { test } from 'node:test';
import { tempDir } from '../helpers/gateway.js';
import { http } from '../helpers/http.js';
import { cloudTextBody, signedHeaders } from '../helpers/payloads.js';
import { until } from '../helpers/pipeline.js';
import { freePort, spawnWahook, waitForHttp } from '../helpers/process.js';

const SECRET = 'rss-test-secret';
const MiB = 1024 * 1024;
const SENDERS = 500;
/** What each sender sends up front, and in all, of a body announced as 4 MiB. */
const FIRST = 4 * 1024;
const PIECE = 8 * 1024;
const TOTAL = FIRST + 32 * PIECE;
const BUDGET = 8 * MiB;
/**
 * The bound on the gateway's resident memory: what it used idle plus 64 MiB, that is the 8 MiB budget and
 * room for 500 open connections and for the bodies refused or released but not yet collected
 * by the garbage collector. The senders offer 500 × 260 KiB (127 MiB): a gateway that held them all would
 * be far past it.
 */
const HEADROOM = 64 * MiB;

const rssOf = (pid: number): number => Number(/VmRSS:\s+(\d+)/.exec(readFileSync(`/proc/${pid}/status`, 'utf8'))![1]) * 1024;

interface Sender { socket: Socket; sent: number; answer: string; closed: boolean }

test('500 slow senders of 4 MiB bodies leave the gateway\'s memory bounded and the edge answering', { timeout: 60_000 }, async (t) => {
  const dataDir = tempDir('wahook-rss-');
  const port = await freePort();
  const url = `http://127.0.0.1:${port}`;
  const server = spawnWahook(['serve', '--unverified-body-budget', String(BUDGET)], { WAHOOK_APP_SECRET: SECRET, WAHOOK_DATA_DIR: dataDir, PORT: String(port), WAHOOK_HOST: '127.0.0.1', WAHOOK_LOG_LEVEL: 'warn' });
  const senders: Sender[] = [];
  const post = async (body: Buffer) => http(`${url}/webhook`, { body, headers: signedHeaders(body, SECRET) });
  try {
    await waitForHttp(`${url}/healthz`);
    assert.equal((await post(cloudTextBody('warm-up'))).status, 200);
    const idle = rssOf(server.child.pid!);
    let peak = idle;
    const sampler = setInterval(() => (peak = Math.max(peak, rssOf(server.child.pid!))), 50);
    try {
      // 500 connections, each with a signed-looking head announcing 4 MiB and the first 4 KiB of it.
      const head = `POST /webhook HTTP/1.1\r\nhost: 127.0.0.1\r\ncontent-type: application/json\r\nx-hub-signature-256: sha256=${'0'.repeat(64)}\r\ncontent-length: ${4 * MiB}\r\n\r\n`;
      await Promise.all(Array.from({ length: SENDERS }, () => new Promise<void>((resolve) => {
        const s: Sender = { socket: connect(port, '127.0.0.1'), sent: 0, answer: '', closed: false };
        s.socket.on('connect', () => s.socket.write(head) && s.socket.write(Buffer.alloc(FIRST, 0x20), () => resolve()));
        s.socket.on('data', (d: Buffer) => (s.answer += d.toString('latin1')));
        s.socket.on('close', () => { s.closed = true; resolve(); });
        s.socket.on('error', () => {});
        s.sent = FIRST;
        senders.push(s);
      })));
      assert.equal(senders.filter((s) => !s.closed).length, SENDERS, 'all 500 are open and unanswered');
      // The 2 MB they hold fits in the budget: the edge stores webhooks as usual.
      assert.equal((await post(cloudTextBody('beside 500 slow senders'))).status, 200);
      assert.equal((await http(`${url}/healthz`)).status, 200);

      // Then each goes on, 8 KiB every 100 ms, to 260 KiB: 127 MiB offered in all.
      const trickle = setInterval(() => {
        for (const s of senders) {
          if (s.closed || s.sent >= TOTAL || s.socket.writableLength > 0) continue;
          s.socket.write(Buffer.alloc(PIECE, 0x20));
          s.sent += PIECE;
        }
      }, 100);
      // Meanwhile a webhook is answered at once: 200 when it fits in what the budget has left, else 503 with Retry-After.
      await new Promise((r) => setTimeout(r, 1500));
      const during = await post(cloudTextBody('during the flood'));
      assert.ok(during.status === 200 || (during.status === 503 && during.headers['retry-after'] === '1' && during.json().error.code === 'WAHOOK_ERR_HTTP_BODY_BUDGET'), `${during.status} ${during.text}`);
      await until(() => senders.every((s) => s.closed || s.sent >= TOTAL), 20_000, 'the senders to send all they offer');
      clearInterval(trickle);
      // What is left open holds at most the budget; once their last pieces are read, a webhook fits again.
      await until(async () => {
        const r = await post(cloudTextBody('after the flood'));
        if (r.status !== 200) assert.ok(r.status === 503 && r.headers['retry-after'] === '1', `${r.status} ${r.text}`);
        return r.status === 200;
      }, 5000, 'a webhook to be stored after the flood');

      // Assess
      const refused = senders.filter((s) => s.answer.startsWith('HTTP/1.1 503'));
      const open = senders.filter((s) => !s.closed);
      t.diagnostic(`idle RSS ${(idle / MiB).toFixed(1)} MiB, peak ${(peak / MiB).toFixed(1)} MiB; ${refused.length} senders answered 503, ${senders.filter((s) => s.closed).length} closed, ${open.length} still open`);
      assert.ok(peak < idle + HEADROOM, `peak RSS ${(peak / MiB).toFixed(1)} MiB, bound ${((idle + HEADROOM) / MiB).toFixed(1)} MiB`);
      assert.ok(open.length * TOTAL <= BUDGET, `${open.length} senders still open hold at most the budget`);
      assert.ok(refused.length > 0, 'senders past the budget were told so');
      for (const s of refused) {
        assert.match(s.answer, /\r\nretry-after: 1\r\n/i);
        assert.match(s.answer, /WAHOOK_ERR_HTTP_BODY_BUDGET/);
      }
    } finally {
      clearInterval(sampler);
    }
    for (const s of senders) s.socket.destroy();
    // Closed senders give their bytes back: a 1 MB webhook is stored.
    const big = cloudTextBody('y'.repeat(1_000_000));
    await until(async () => (await post(big)).status === 200, 5000, 'a 1 MB webhook to be stored');
    server.child.kill('SIGTERM');
    assert.equal((await server.exited).code, 0, server.stderr());
  } finally {
    for (const s of senders) s.socket.destroy();
    server.child.kill('SIGKILL');
    rmSync(dataDir, { recursive: true, force: true });
  }
});
