import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { createHash } from 'node:crypto';
import { fileURLToPath } from 'node:url';
import { test } from 'node:test';
import { startFakeGraph } from '../helpers/fake-graph.js';

const MB = 1024 * 1024;

/**
 * A deterministic body of `size` bytes in 64 KiB chunks, never held whole.
 * Served, each chunk is a new buffer (the socket may still hold the last);
 * hashed, one buffer is reused.
 */
function* pattern(size: number, reuse = false): Iterable<Buffer> {
  const block = Buffer.alloc(64 * 1024);
  for (let at = 0, n = 0; at < size; at += block.length, n++) {
    block.fill(n % 251);
    block.writeUInt32BE(n, 0);
    const chunk = block.subarray(0, Math.min(block.length, size - at));
    yield reuse ? chunk : Buffer.from(chunk);
  }
}

function hashOf(size: number): string {
  const h = createHash('sha256');
  for (const c of pattern(size, true)) h.update(c);
  return h.digest('hex');
}

test('a 100 MB download, verified and stored, adds at most 30 MB to RSS', async () => {
  const graph = await startFakeGraph();
  try {
    for (const [id, size] of [['warm', 2 * MB], ['big', 100 * MB]] as const) graph.media.set(id, { chunks: () => pattern(size), size, sha256: hashOf(size), mimeType: 'video/mp4' });
    // The download runs in a process of its own, so nothing the test runner or the server holds moves its RSS;
    // without --expose-gc, as wahook runs.
    const probe = fileURLToPath(new URL('./media-memory.probe.js', import.meta.url));
    const child = spawn(process.execPath, [probe, graph.url, graph.hostPort, graph.token, 'warm', 'big'], { stdio: ['ignore', 'pipe', 'pipe'] });
    let out = '';
    let err = '';
    child.stdout.on('data', (d: Buffer) => (out += d.toString()));
    child.stderr.on('data', (d: Buffer) => (err += d.toString()));
    const timer = setTimeout(() => child.kill('SIGKILL'), 120_000);
    const code = await new Promise<number | null>((r) => child.on('exit', r));
    clearTimeout(timer);
    assert.equal(code, 0, err);
    const m = JSON.parse(out) as { bytes: number; addedMb: number; peakMb: number };
    assert.equal(m.bytes, 100 * MB);
    assert.ok(m.addedMb <= 30, `RSS grew by ${m.addedMb.toFixed(1)} MB (peak ${m.peakMb.toFixed(1)} MB)`);
  } finally {
    await graph.close();
  }
});
