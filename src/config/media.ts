import { join } from 'node:path';
import { GatewayError } from '../core/errors.js';
import { hostRules } from '../core/media/host-rules.js';
import type { TenantConfig } from '../core/tenant.js';

/** Where media objects are kept. */
export type MediaStore =
  | { readonly kind: 'file'; readonly dir: string }
  | { readonly kind: 's3'; readonly bucket: string; readonly prefix: string };

export interface MediaConfig {
  readonly enabled: boolean;
  readonly store: MediaStore;
  /** As configured; empty means the built-in hosts (see core/media/host-rules.ts). */
  readonly hosts: readonly string[];
  readonly maxBytes: number;
  readonly connectTimeoutMs: number;
  readonly readTimeoutMs: number;
  readonly timeoutMs: number;
  readonly concurrency: number;
  readonly maxAttempts: number;
  readonly whatsappCdnUrl: string;
  readonly wasenderDecryptUrl?: string;
  readonly s3Endpoint?: string;
  readonly s3Region?: string;
  readonly s3ForcePathStyle: boolean;
}

function invalid(key: string, why: string): GatewayError {
  return new GatewayError('WAHOOK_ERR_CONFIG_INVALID', `Invalid config key "${key}": ${why}`);
}

/** Checks an http(s) URL and returns it without a trailing slash. */
export function httpUrl(v: string, key: string): string {
  let u: URL;
  try {
    u = new URL(v);
  } catch {
    throw invalid(key, 'expected an http(s) URL');
  }
  if (u.protocol !== 'http:' && u.protocol !== 'https:') throw invalid(key, 'expected an http(s) URL');
  let end = v.length;
  while (end > 0 && v[end - 1] === '/') end--;
  return v.slice(0, end);
}

/**
 * `file://<dir>` (absolute, or relative to the working directory) or
 * `s3://<bucket>/<prefix>`; the default is `media/` in the data dir.
 *
 * @example mediaStore('s3://wa-media/inbound', '.wahook') // { kind: 's3', bucket: 'wa-media', prefix: 'inbound/' }
 */
export function mediaStore(url: string | undefined, dataDir: string): MediaStore {
  if (url === undefined) return { kind: 'file', dir: join(dataDir, 'media') };
  if (url.startsWith('file://')) {
    const dir = decodeURIComponent(url.slice('file://'.length));
    if (dir === '') throw invalid('media.url', 'file:// needs a directory, e.g. file:///var/lib/wahook/media');
    return { kind: 'file', dir };
  }
  const s3 = /^s3:\/\/([a-z0-9][a-z0-9.-]{1,61}[a-z0-9])(?:\/(.*))?$/.exec(url);
  if (s3) {
    const prefix = (s3[2] ?? '').replace(/^\/+|\/+$/g, '');
    return { kind: 's3', bucket: s3[1]!, prefix: prefix === '' ? '' : `${prefix}/` };
  }
  throw invalid('media.url', 'expected file://<dir> or s3://<bucket>/<prefix>');
}

/** The media section of the config from resolved key values; `auto` decided here, once. */
export function mediaConfig(v: Record<string, unknown>, dataDir: string, tenants: Readonly<Record<string, TenantConfig>>): MediaConfig {
  const hosts = v['media.hosts'] as string[];
  // Parsed here only to refuse a malformed entry at start; an empty list means the built-in hosts, which need no check.
  if (hosts.length > 0) hostRules(hosts);
  const url = v['media.url'] as string | undefined;
  const mode = v['media.enabled'] as 'auto' | 'on' | 'off';
  const tokens = Object.values(tenants).some((t) => t.accessToken !== undefined);
  const decryptUrl = v['media.wasenderDecryptUrl'] as string | undefined;
  const endpoint = v['media.s3Endpoint'] as string | undefined;
  return {
    enabled: mode === 'on' || (mode === 'auto' && (tokens || url !== undefined)),
    store: mediaStore(url, dataDir),
    hosts,
    maxBytes: v['media.maxBytes'] as number,
    connectTimeoutMs: v['media.connectTimeoutMs'] as number,
    readTimeoutMs: v['media.readTimeoutMs'] as number,
    timeoutMs: v['media.timeoutMs'] as number,
    concurrency: v['media.concurrency'] as number,
    maxAttempts: v['media.maxAttempts'] as number,
    whatsappCdnUrl: httpUrl(v['media.whatsappCdnUrl'] as string, 'media.whatsappCdnUrl'),
    ...(decryptUrl !== undefined ? { wasenderDecryptUrl: httpUrl(decryptUrl, 'media.wasenderDecryptUrl') } : {}),
    ...(endpoint !== undefined ? { s3Endpoint: httpUrl(endpoint, 'media.s3Endpoint') } : {}),
    ...(v['media.s3Region'] !== undefined ? { s3Region: v['media.s3Region'] as string } : {}),
    s3ForcePathStyle: v['media.s3ForcePathStyle'] as boolean,
  };
}
