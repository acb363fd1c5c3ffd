import { rm } from 'node:fs/promises';
import { GatewayError } from '../../core/errors.js';
import type { WasenderMediaRef } from '../../core/media/reference.js';
import { MAC_BYTES, MediaDecryptor } from '../../core/media/whatsapp-media.js';
import type { TenantConfig } from '../../core/tenant.js';
import { apiGate, checkSha256, downloadGate, type FetchContext, type Fetched } from './fetch-context.js';
import { readSmall } from './http.js';
import { stage } from './stage.js';

export interface WasenderSettings {
  /** WhatsApp's CDN, where a `directPath` points. */
  readonly cdnUrl: string;
  /** The vendor's decrypt endpoint, when configured. */
  readonly decryptUrl?: string;
}

const VENDOR_ANSWER_LIMIT = 64 * 1024;
/** PKCS#7 adds at most a block; the MAC is appended. */
const ENCRYPTION_OVERHEAD = 16 + MAC_BYTES;

function tooLarge(ref: WasenderMediaRef, maxBytes: number): GatewayError | undefined {
  return ref.fileLength !== undefined && ref.fileLength > maxBytes
    ? new GatewayError('WAHOOK_ERR_MEDIA_TOO_LARGE', `The media is ${ref.fileLength} bytes, more than media.maxBytes (${maxBytes})`)
    : undefined;
}

/**
 * A WASender media message, fetched and verified. Decrypted here by
 * default: the encrypted file is downloaded from WhatsApp's CDN and checked
 * three ways (fileEncSha256, the MAC, fileSha256), or by the vendor's
 * decrypt endpoint when it is configured and the tenant has an API key.
 */
export async function fetchWasenderMedia(ref: WasenderMediaRef, messageId: string, tenant: TenantConfig | undefined, settings: WasenderSettings, ctx: FetchContext): Promise<Fetched> {
  const big = tooLarge(ref, ctx.maxBytes);
  if (big) throw big;
  if (settings.decryptUrl !== undefined && tenant?.wasenderApiKey !== undefined) return viaVendor(ref, messageId, tenant.wasenderApiKey, settings.decryptUrl, ctx);
  if (ref.fileEncSha256 === undefined || ref.fileSha256 === undefined) {
    throw new GatewayError('WAHOOK_ERR_MEDIA_UNVERIFIABLE', `The message carries no ${ref.fileEncSha256 === undefined ? 'fileEncSha256' : 'fileSha256'}, so its media cannot be verified`);
  }
  // WhatsApp's own clients download from the CDN plus directPath; the url is the fallback.
  const url = new URL(ref.directPath !== undefined ? `${settings.cdnUrl}${ref.directPath.startsWith('/') ? '' : '/'}${ref.directPath}` : ref.url!);
  const { res, url: final } = await ctx.http.request({ method: 'GET', url, gate: downloadGate(ctx.hosts), redirects: 3, signal: ctx.signal });
  if (res.statusCode !== 200) {
    res.destroy();
    throw new GatewayError('WAHOOK_ERR_MEDIA_DOWNLOAD_FAILED', `${final.host} answered HTTP ${res.statusCode} for the encrypted media`);
  }
  const decryptor = new MediaDecryptor(ref.mediaKey, ref.kind, {
    fileEncSha256: ref.fileEncSha256,
    fileSha256: ref.fileSha256,
    ...(ref.fileLength !== undefined ? { fileLength: ref.fileLength } : {}),
  });
  const staged = await stage(res, ctx.stagingDir, final, {
    maxBytes: ctx.maxBytes,
    maxInputBytes: ctx.maxBytes + ENCRYPTION_OVERHEAD,
    transform: (chunk) => decryptor.push(chunk),
    finish: () => decryptor.finish(),
    signal: ctx.signal,
  });
  return { ...staged, mimeType: ref.mimeType ?? 'application/octet-stream' };
}

/**
 * The vendor decrypts: POST the message's media object, then download the
 * plaintext from the `publicUrl` it answers with. Only fileSha256 can be
 * checked then (the encrypted bytes and their MAC never reach us), so it is
 * required.
 */
async function viaVendor(ref: WasenderMediaRef, messageId: string, apiKey: string, decryptUrl: string, ctx: FetchContext): Promise<Fetched> {
  if (ref.fileSha256 === undefined) throw new GatewayError('WAHOOK_ERR_MEDIA_UNVERIFIABLE', 'The message carries no fileSha256, so the decrypted media cannot be verified');
  const endpoint = new URL(decryptUrl);
  const body = Buffer.from(JSON.stringify({ data: { messages: { key: { id: messageId }, message: { [`${ref.kind}Message`]: ref.original } } } }));
  const { res } = await ctx.http.request({
    method: 'POST', url: endpoint, gate: apiGate(endpoint.origin), redirects: 0, body, signal: ctx.signal,
    headers: () => ({ authorization: `Bearer ${apiKey}`, 'content-type': 'application/json', accept: 'application/json' }),
  });
  const answer = await readSmall(res, VENDOR_ANSWER_LIMIT, endpoint);
  let publicUrl: URL | undefined;
  try {
    const parsed = JSON.parse(answer.toString('utf8')) as { success?: unknown; publicUrl?: unknown };
    if (res.statusCode === 200 && parsed.success === true && typeof parsed.publicUrl === 'string') publicUrl = new URL(parsed.publicUrl);
  } catch {
    publicUrl = undefined;
  }
  if (publicUrl === undefined) throw new GatewayError('WAHOOK_ERR_MEDIA_RESOLVE_FAILED', `The decrypt endpoint answered HTTP ${res.statusCode} without a publicUrl`);
  // The decrypted file is served by the vendor itself, or from a listed host.
  const { res: file, url } = await ctx.http.request({ method: 'GET', url: publicUrl, gate: downloadGate(ctx.hosts, endpoint.origin), redirects: 3, signal: ctx.signal });
  if (file.statusCode !== 200) {
    file.destroy();
    throw new GatewayError('WAHOOK_ERR_MEDIA_DOWNLOAD_FAILED', `${url.host} answered HTTP ${file.statusCode} for the decrypted media`);
  }
  const staged = await stage(file, ctx.stagingDir, url, { maxBytes: ctx.maxBytes, signal: ctx.signal });
  try {
    checkSha256(staged.sha256, [ref.fileSha256], 'decrypted media');
    if (ref.fileLength !== undefined && staged.bytes !== ref.fileLength) {
      throw new GatewayError('WAHOOK_ERR_MEDIA_INTEGRITY', `The decrypted media is ${staged.bytes} bytes, not the ${ref.fileLength} of its fileLength; nothing was stored`);
    }
  } catch (e) {
    await rm(staged.file, { force: true });
    throw e;
  }
  return { ...staged, mimeType: ref.mimeType ?? file.headers['content-type'] ?? 'application/octet-stream' };
}
