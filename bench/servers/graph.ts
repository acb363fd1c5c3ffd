// The benchmark's Graph API and media host: the tests' fake Graph server in a process of its own, so
// serving the downloads costs the benchmark's load generator nothing. It serves `count` media items
// of `size` bytes each (m0, m1, …), each with its own content, generated as it is sent, and reports
// its address and the items' SHA-256 over IPC.
// Usage (forked): graph.js <count> <size>
import { createHash } from 'node:crypto';
import { startFakeGraph } from '../../test/helpers/fake-graph.js';

const [count, size] = process.argv.slice(2).map(Number) as [number, number];
const CHUNK = 64 * 1024;

/** Item `i`'s bytes: a 64 KiB pattern stamped with the item and chunk numbers. */
function* content(i: number, reuse = false): Iterable<Buffer> {
  const block = Buffer.alloc(CHUNK);
  for (let at = 0, n = 0; at < size; at += CHUNK, n++) {
    block.fill((i + n) % 251);
    block.writeUInt32BE(i, 0);
    block.writeUInt32BE(n, 4);
    const chunk = block.subarray(0, Math.min(CHUNK, size - at));
    yield reuse ? chunk : Buffer.from(chunk);
  }
}

const graph = await startFakeGraph('bench-access-token');
const shas: string[] = [];
for (let i = 0; i < count; i++) {
  const h = createHash('sha256');
  for (const c of content(i, true)) h.update(c);
  shas.push(h.digest('hex'));
  graph.media.set(`m${i}`, { chunks: () => content(i), size, sha256: shas[i]!, mimeType: 'image/jpeg' });
}
process.send?.({ url: graph.url, hostPort: graph.hostPort, token: graph.token, shas });
process.on('disconnect', () => void graph.close().then(() => process.exit(0)));
