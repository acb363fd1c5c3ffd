/**
 * Run by media-memory.test.ts in a process of its own: downloads a large
 * media file from the test's fake Graph API, verifies it and stores it on
 * disk, and reports this process's RSS before and at its peak. The server
 * stays in the test's process, so only the download path is measured.
 * Usage: node media-memory.probe.js <graph-url> <host:port> <token> <warm-up-id> <media-id>
 */
import { rmSync } from 'node:fs';
import { join } from 'node:path';
import { createMediaStorage } from '../../src/compose.js';
import { loadConfig } from '../../src/config/load.js';
import { hostRules } from '../../src/core/media/host-rules.js';
import { storageKey } from '../../src/core/media/reference.js';
import { fetchCloudMedia } from '../../src/pipeline/media/cloud-api.js';
import { MediaHttp } from '../../src/pipeline/media/http.js';
import { tempDir } from '../helpers/gateway.js';

const MB = 1024 * 1024;
const [graphUrl, hostPort, token, warmId, mediaId] = process.argv.slice(2) as [string, string, string, string, string];
const dir = tempDir('wahook-rss-');
const http = new MediaHttp({ connectTimeoutMs: 5_000, readTimeoutMs: 30_000 });
// The default media store of a gateway on this data dir: files under its media/.
const storage = await createMediaStorage(loadConfig({ flags: { 'data-dir': dir }, env: {} }));
const tenant = { name: 'default', appSecrets: [], accessToken: token, graphUrl, graphVersion: 'v24.0' };
const ctx = { http, hosts: hostRules([hostPort]), maxBytes: 200 * MB, stagingDir: join(dir, 'staging'), now: Date.now };

async function once(id: string): Promise<number> {
  const got = await fetchCloudMedia({ provider: 'cloud_api', kind: 'video', mediaId: id, sentAt: Date.now() }, 'default', tenant, ctx);
  await storage.put({ file: got.file, key: storageKey('default', got.sha256), bytes: got.bytes, sha256: got.sha256, mimeType: got.mimeType });
  return got.bytes;
}

// Warm up every path once, so the measured run adds only what the download holds.
await once(warmId);
await new Promise((r) => setTimeout(r, 200));
const baseline = process.memoryUsage.rss();
let peak = baseline;
const sampler = setInterval(() => { peak = Math.max(peak, process.memoryUsage.rss()); }, 2);
const bytes = await once(mediaId);
clearInterval(sampler);
peak = Math.max(peak, process.memoryUsage.rss());
http.close();
rmSync(dir, { recursive: true, force: true });
process.stdout.write(`${JSON.stringify({ bytes, baselineMb: baseline / MB, peakMb: peak / MB, addedMb: (peak - baseline) / MB })}\n`);
