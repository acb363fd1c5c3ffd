import type { IncomingMessage } from 'node:http';
import { rm } from 'node:fs/promises';
import { GatewayError } from '../../core/errors.js';
import { sha256Hex, type CloudMediaRef } from '../../core/media/reference.js';
import type { TenantConfig } from '../../core/tenant.js';
import { apiGate, checkSha256, downloadGate, type FetchContext, type Fetched } from './fetch-context.js';
import { readSmall } from './http.js';
import { stage } from './stage.js';

/** Meta keeps a media id downloadable for 7 days from the message. */
export const MEDIA_ID_LIFETIME_MS = 7 * 24 * 3600 * 1000;
/** Meta's download URL expires 5 minutes after the Graph API returns it; one older than this is resolved again first. */
export const URL_LIFETIME_MS = 4.5 * 60 * 1000;
/** Fresh URLs asked for after a 401, 403 or 404 before the attempt fails. */
const REFRESHES = 2;
const GRAPH_ANSWER_LIMIT = 64 * 1024;

interface Resolved {
  readonly url: URL;
  readonly mimeType?: string;
  readonly sha256?: string;
  readonly fileSize?: number;
  readonly at: number;
}

interface Graph {
  readonly base: string;
  readonly version: string;
  readonly token: string;
}

function graphOf(tenant: TenantConfig | undefined, name: string): Graph {
  if (tenant?.accessToken === undefined) {
    throw new GatewayError('WAHOOK_ERR_MEDIA_NO_CREDENTIALS', `Tenant "${name}" has no access token (WAHOOK_ACCESS_TOKEN, or tenants.${name}.accessToken), so its Cloud API media cannot be fetched`);
  }
  return { base: tenant.graphUrl ?? 'https://graph.facebook.com', version: tenant.graphVersion ?? 'v24.0', token: tenant.accessToken };
}

/** The Graph API's error message, if it gave one, for the job's error. */
function graphReason(body: Buffer): string {
  try {
    const m = (JSON.parse(body.toString('utf8')) as { error?: { message?: unknown } }).error?.message;
    return typeof m === 'string' ? `: ${m.slice(0, 200)}` : '';
  } catch {
    return '';
  }
}

/** `GET {graph}/{version}/{media-id}`: the download URL, and the type, hash and size Meta has for the media. */
async function resolve(ref: CloudMediaRef, g: Graph, ctx: FetchContext): Promise<Resolved> {
  const url = new URL(`${g.base}/${encodeURIComponent(g.version)}/${encodeURIComponent(ref.mediaId)}`);
  if (ref.phoneNumberId !== undefined) url.searchParams.set('phone_number_id', ref.phoneNumberId);
  const { res } = await ctx.http.request({
    method: 'GET', url, gate: apiGate(url.origin), redirects: 0, signal: ctx.signal,
    headers: () => ({ authorization: `Bearer ${g.token}`, accept: 'application/json' }),
  });
  const body = await readSmall(res, GRAPH_ANSWER_LIMIT, url);
  if (res.statusCode !== 200) throw new GatewayError('WAHOOK_ERR_MEDIA_RESOLVE_FAILED', `The Graph API answered HTTP ${res.statusCode} for media ${ref.mediaId}${graphReason(body)}`);
  let meta: Record<string, unknown>;
  try {
    meta = JSON.parse(body.toString('utf8')) as Record<string, unknown>;
  } catch {
    throw new GatewayError('WAHOOK_ERR_MEDIA_RESOLVE_FAILED', `The Graph API's answer for media ${ref.mediaId} is not JSON`);
  }
  let download: URL;
  try {
    download = new URL(String(meta.url));
  } catch {
    throw new GatewayError('WAHOOK_ERR_MEDIA_RESOLVE_FAILED', `The Graph API's answer for media ${ref.mediaId} has no download url`);
  }
  const size = Number(meta.file_size);
  const sha256 = sha256Hex(meta.sha256, 'the Graph API\'s sha256');
  return {
    url: download,
    at: ctx.now(),
    ...(typeof meta.mime_type === 'string' ? { mimeType: meta.mime_type } : {}),
    ...(sha256 ? { sha256 } : {}),
    ...(meta.file_size !== undefined && Number.isSafeInteger(size) && size >= 0 ? { fileSize: size } : {}),
  };
}

/**
 * A Cloud API media message, fetched and verified: resolve the media id,
 * download the URL with the token, and again with a fresh URL after a 401,
 * 403 or 404 or once the URL has aged past its five minutes. The token goes
 * only to the Graph API and to the origin of the URL it returned; a
 * redirect elsewhere is followed without it, and only to a listed host.
 */
export async function fetchCloudMedia(ref: CloudMediaRef, tenantName: string, tenant: TenantConfig | undefined, ctx: FetchContext): Promise<Fetched> {
  const age = ctx.now() - ref.sentAt;
  if (age > MEDIA_ID_LIFETIME_MS) {
    throw new GatewayError('WAHOOK_ERR_MEDIA_EXPIRED', `Media ${ref.mediaId} is from ${new Date(ref.sentAt).toISOString()}, ${Math.floor(age / 86_400_000)} days ago; Meta keeps media ids for 7 days`);
  }
  const g = graphOf(tenant, tenantName);
  let meta = await resolve(ref, g, ctx);
  for (let refresh = 0; ; refresh++) {
    if (ctx.now() - meta.at > URL_LIFETIME_MS) meta = await resolve(ref, g, ctx);
    if (meta.fileSize !== undefined && meta.fileSize > ctx.maxBytes) {
      throw new GatewayError('WAHOOK_ERR_MEDIA_TOO_LARGE', `Media ${ref.mediaId} is ${meta.fileSize} bytes, more than media.maxBytes (${ctx.maxBytes})`);
    }
    const tokenOrigin = meta.url.origin;
    const { res, url } = await ctx.http.request({
      method: 'GET', url: meta.url, gate: downloadGate(ctx.hosts), redirects: 3, signal: ctx.signal,
      headers: (hop): Record<string, string> => (hop.origin === tokenOrigin ? { authorization: `Bearer ${g.token}` } : {}),
    });
    if ((res.statusCode === 401 || res.statusCode === 403 || res.statusCode === 404) && refresh < REFRESHES) {
      res.destroy();
      meta = await resolve(ref, g, ctx);
      continue;
    }
    if (res.statusCode !== 200) {
      res.destroy();
      throw new GatewayError('WAHOOK_ERR_MEDIA_DOWNLOAD_FAILED', `${url.host} answered HTTP ${res.statusCode} for media ${ref.mediaId}${refresh > 0 ? ` after ${refresh} fresh URLs` : ''}`);
    }
    return await verified(ref, meta, res, url, ctx);
  }
}

async function verified(ref: CloudMediaRef, meta: Resolved, res: IncomingMessage, url: URL, ctx: FetchContext): Promise<Fetched> {
  const staged = await stage(res, ctx.stagingDir, url, { maxBytes: ctx.maxBytes, signal: ctx.signal });
  try {
    checkSha256(staged.sha256, [ref.sha256, meta.sha256], `media ${ref.mediaId}`);
    if (meta.fileSize !== undefined && staged.bytes !== meta.fileSize) {
      throw new GatewayError('WAHOOK_ERR_MEDIA_INTEGRITY', `Media ${ref.mediaId} downloaded as ${staged.bytes} bytes, not the ${meta.fileSize} the Graph API gave; nothing was stored`);
    }
  } catch (e) {
    await rm(staged.file, { force: true });
    throw e;
  }
  const mimeType = meta.mimeType ?? ref.mimeType ?? res.headers['content-type'] ?? 'application/octet-stream';
  return { ...staged, mimeType };
}
