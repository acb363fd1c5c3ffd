import { createHash } from 'node:crypto';
import { main } from '../../src/entry/cli/index.js';
import type { MediaItem } from '../../src/ports/media-index.js';

const b64 = (b: Buffer): string => createHash('sha256').update(b).digest('base64');

/** A Cloud API image message whose webhook carries the bytes' hash, as Meta sends it (base64). */
export function imageMessage(id: string, from: string, tsSec: number, mediaId: string, bytes: Buffer): object {
  return { from, id, timestamp: String(tsSec), type: 'image', image: { id: mediaId, mime_type: 'image/jpeg', sha256: b64(bytes) } };
}

/** A WASender `messages.received` delivery carrying one media object (`imageMessage`, `audioMessage`, …). */
export function wasenderMediaDelivery(id: string, from: string, tsSec: number, type: string, media: Record<string, unknown>): object {
  return {
    event: 'messages.received',
    timestamp: tsSec,
    data: { messages: { key: { id, fromMe: false, remoteJid: `${from}@s.whatsapp.net`, cleanedSenderPn: from }, message: { [`${type}Message`]: media }, messageTimestamp: tsSec } },
  };
}

/** Runs the CLI in process, as `wahook <argv>`, and returns its exit code and output. */
export async function cli(argv: string[], env: Record<string, string>): Promise<{ code: number; out: string; err: string }> {
  let out = '';
  let err = '';
  const code = await main(argv, { out: (s) => { out += s; }, err: (s) => { err += s; }, env });
  return { code, out, err };
}

/** `wahook media --json`, parsed. */
export async function mediaItems(env: Record<string, string>): Promise<MediaItem[]> {
  const r = await cli(['media', '--json'], env);
  if (r.code !== 0) throw new Error(r.err);
  return r.out.trim() === '' ? [] : r.out.trim().split('\n').map((l) => JSON.parse(l) as MediaItem);
}
