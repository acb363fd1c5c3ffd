import { createHash, createHmac } from 'node:crypto';

/**
 * AWS Signature Version 4 for one JSON-protocol POST: what the SDK's
 * signer does for such a request, without the SDK's weight at cold start.
 * https://docs.aws.amazon.com/IAM/latest/UserGuide/reference_sigv-create-signed-request.html
 */

export interface AwsCredentials {
  readonly accessKeyId: string;
  readonly secretAccessKey: string;
  readonly sessionToken?: string;
  /** When temporary credentials stop working; absent for long-lived keys. */
  readonly expiration?: Date;
}

export interface SignInput {
  readonly method: string;
  readonly url: URL;
  /** Header names in any case; every one given is signed. */
  readonly headers: Readonly<Record<string, string>>;
  readonly body: string | Uint8Array;
  readonly region: string;
  readonly service: string;
  readonly credentials: AwsCredentials;
  readonly now: Date;
}

const sha256 = (data: string | Uint8Array): string => createHash('sha256').update(data).digest('hex');
const hmac = (key: string | Buffer, data: string): Buffer => createHmac('sha256', key).update(data, 'utf8').digest();

/** RFC 3986 encoding, as SigV4 wants it: only unreserved characters stay as they are. */
const encode = (s: string): string => encodeURIComponent(s).replace(/[!'()*]/g, (c) => `%${c.charCodeAt(0).toString(16).toUpperCase()}`);

function canonicalQuery(url: URL): string {
  // The JSON protocol posts to `/`: no query, and no URLSearchParams to build for it.
  if (url.search === '') return '';
  return [...url.searchParams].map(([k, v]) => [encode(k), encode(v)] as const)
    .sort(([a, x], [b, y]) => (a < b ? -1 : a > b ? 1 : x < y ? -1 : x > y ? 1 : 0))
    .map(([k, v]) => `${k}=${v}`).join('&');
}

/** Each path segment encoded once more over its URL form, as every service but S3 expects. */
function canonicalPath(url: URL): string {
  // The JSON protocol posts to `/`, which encodes to itself.
  if (url.pathname === '/') return '/';
  return url.pathname.split('/').map((s) => encode(decodeURIComponent(s))).join('/') || '/';
}

/** `20260102T030405Z` from an instant: ISO 8601's basic format, to the second. */
function amzDateOf(now: Date): string {
  const iso = now.toISOString();
  return `${iso.slice(0, 4)}${iso.slice(5, 7)}${iso.slice(8, 13)}${iso.slice(14, 16)}${iso.slice(17, 19)}Z`;
}

/**
 * The headers to send: the given ones plus host, x-amz-date and, for
 * temporary credentials, x-amz-security-token, and the Authorization that
 * signs them all.
 * @example signRequest({ method: 'POST', url: new URL('https://sqs.eu-west-1.amazonaws.com/'), headers: { 'content-type': 'application/x-amz-json-1.0' }, body: '{}', region: 'eu-west-1', service: 'sqs', credentials, now: new Date() })
 */
export function signRequest(i: SignInput): Record<string, string> {
  const amzDate = amzDateOf(i.now);
  const day = amzDate.slice(0, 8);
  const headers: Record<string, string> = {};
  for (const [k, v] of Object.entries(i.headers)) headers[k.toLowerCase()] = v;
  headers.host = i.url.host;
  headers['x-amz-date'] = amzDate;
  if (i.credentials.sessionToken !== undefined) headers['x-amz-security-token'] = i.credentials.sessionToken;
  const names = Object.keys(headers).sort();
  const canonical = [
    i.method.toUpperCase(),
    canonicalPath(i.url),
    canonicalQuery(i.url),
    ...names.map((n) => `${n}:${headers[n]!.trim().replace(/\s+/g, ' ')}`),
    '',
    names.join(';'),
    sha256(i.body),
  ].join('\n');
  const scope = `${day}/${i.region}/${i.service}/aws4_request`;
  const toSign = ['AWS4-HMAC-SHA256', amzDate, scope, sha256(canonical)].join('\n');
  const key = hmac(hmac(hmac(hmac(`AWS4${i.credentials.secretAccessKey}`, day), i.region), i.service), 'aws4_request');
  const signature = createHmac('sha256', key).update(toSign, 'utf8').digest('hex');
  headers.authorization = `AWS4-HMAC-SHA256 Credential=${i.credentials.accessKeyId}/${scope}, SignedHeaders=${names.join(';')}, Signature=${signature}`;
  return headers;
}
