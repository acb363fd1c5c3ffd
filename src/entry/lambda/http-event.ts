import type { EdgeResponse } from '../../core/edge-request.js';
import { GatewayError } from '../../core/errors.js';
import type { WebhookRequest } from '../../edge/handle-webhook.js';

/**
 * Every event shape that fronts a Lambda over HTTP, turned into the one
 * request the shared handler takes, and its answer turned back into the
 * shape the source expects. The shapes differ in small ways that matter:
 * - API Gateway HTTP API (payload 2.0) and function URLs: `rawPath`,
 *   `rawQueryString` as sent, lower-case headers with repeats comma-joined;
 *   an HTTP API stage other than `$default` prefixes the path (also in
 *   its payload 1.0, which is otherwise the REST API's shape).
 * - API Gateway REST API (1.0): `headers` keeps the last value of a repeated
 *   header and `multiValueHeaders` all of them, in the case sent; query
 *   values arrive decoded.
 * - ALB: query values arrive as sent, not decoded; with multi-value headers
 *   on, the request and the answer both use `multiValueHeaders`, and the
 *   answer needs a `statusDescription`.
 * Headers may be null, bodies may be base64, null or absent.
 * (docs.aws.amazon.com: http-api-develop-integrations-lambda, urls-invocation,
 * set-up-lambda-proxy-integrations, lambda-functions.html for ALB.)
 */
export type HttpSource = 'http-api' | 'function-url' | 'rest-api' | 'alb' | 'alb-multi-value';

export interface LambdaHttpRequest {
  readonly source: HttpSource;
  readonly request: WebhookRequest;
}

export interface LambdaHttpResult {
  statusCode: number;
  statusDescription?: string;
  headers?: Record<string, string>;
  multiValueHeaders?: Record<string, string[]>;
  body: string;
  isBase64Encoded: boolean;
}

type Obj = Record<string, unknown>;
const unsupported = (why: string): GatewayError => new GatewayError('WAHOOK_ERR_LAMBDA_EVENT_UNSUPPORTED', `The Lambda event is not an HTTP request from API Gateway, a function URL or an ALB: ${why}`);
const isObj = (v: unknown): v is Obj => typeof v === 'object' && v !== null && !Array.isArray(v);
const str = (v: unknown, what: string): string => {
  if (typeof v !== 'string') throw unsupported(`${what} is missing`);
  return v;
};

/** Lower-case names; every value of a repeated header kept, whichever form carried it. */
function headersOf(single: unknown, multi: unknown): Record<string, string | string[]> {
  const out: Record<string, string | string[]> = {};
  const add = (name: string, value: unknown): void => {
    if (typeof value !== 'string') return;
    const key = name.toLowerCase();
    const prev = out[key];
    out[key] = prev === undefined ? value : [...(Array.isArray(prev) ? prev : [prev]), value];
  };
  if (isObj(multi) && Object.keys(multi).length > 0) {
    for (const [name, values] of Object.entries(multi)) if (Array.isArray(values)) for (const v of values) add(name, v);
  } else if (isObj(single)) {
    for (const [name, value] of Object.entries(single)) add(name, value);
  }
  return out;
}

function bodyOf(body: unknown, base64: unknown): Uint8Array | null {
  if (body === null || body === undefined) return null;
  if (typeof body !== 'string') throw unsupported('the body is not a string');
  return Buffer.from(body, base64 === true ? 'base64' : 'utf8');
}

/** A query string from parsed parameters: `encode` for sources that decoded them, as-is for ALB, which passes them as sent. */
function queryOf(single: unknown, multi: unknown, encode: boolean): string {
  const e = encode ? encodeURIComponent : (s: string) => s;
  const pairs: string[] = [];
  if (isObj(multi) && Object.keys(multi).length > 0) {
    for (const [k, vs] of Object.entries(multi)) if (Array.isArray(vs)) for (const v of vs) pairs.push(`${e(k)}=${e(String(v))}`);
  } else if (isObj(single)) {
    for (const [k, v] of Object.entries(single)) if (typeof v === 'string') pairs.push(`${e(k)}=${e(v)}`);
  }
  return pairs.join('&');
}

const stringOr = (v: unknown): string | undefined => (typeof v === 'string' && v !== '' ? v : undefined);

/**
 * An ALB event carries no source address of its own: the balancer appends
 * the address it saw to `X-Forwarded-For`, so the last entry is the peer.
 */
function albPeer(headers: Record<string, string | string[]>): string | undefined {
  const xff = headers['x-forwarded-for'];
  const all = (Array.isArray(xff) ? xff.join(',') : xff ?? '').split(',');
  return stringOr(all[all.length - 1]?.trim());
}

function withoutStage(path: string, stage: unknown): string {
  if (typeof stage !== 'string' || stage === '$default') return path;
  const prefix = `/${stage}`;
  return path === prefix ? '/' : path.startsWith(`${prefix}/`) ? path.slice(prefix.length) : path;
}

/**
 * @example
 * fromLambdaEvent({ version: '2.0', rawPath: '/webhook', rawQueryString: '', headers: {}, requestContext: { http: { method: 'POST' } }, body: '{}' })
 * // { source: 'http-api', request: { method: 'POST', path: '/webhook', … } }
 */
export function fromLambdaEvent(event: unknown): LambdaHttpRequest {
  if (!isObj(event)) throw unsupported('not an object');
  const ctx = isObj(event.requestContext) ? event.requestContext : {};
  if (event.version === '2.0' && isObj(ctx.http)) {
    const domain = typeof ctx.domainName === 'string' ? ctx.domainName : '';
    return {
      source: domain.includes('.lambda-url.') ? 'function-url' : 'http-api',
      request: {
        method: str(ctx.http.method, 'requestContext.http.method').toUpperCase(),
        path: withoutStage(str(event.rawPath, 'rawPath'), ctx.stage),
        query: typeof event.rawQueryString === 'string' ? event.rawQueryString : '',
        headers: headersOf(event.headers, undefined),
        rawBody: bodyOf(event.body, event.isBase64Encoded),
        peer: stringOr(ctx.http.sourceIp),
      },
    };
  }
  const multi = isObj(event.multiValueHeaders) && Object.keys(event.multiValueHeaders).length > 0;
  const alb = isObj(ctx.elb);
  if (!alb && typeof event.httpMethod === 'string' && !isObj(ctx.http) && event.version !== '2.0') {
    return {
      source: 'rest-api',
      request: {
        method: event.httpMethod.toUpperCase(),
        // An HTTP API sending payload 1.0 (`version` '1.0') keeps a named stage in `path`; a REST API never does.
        path: event.version === '1.0' ? withoutStage(str(event.path, 'path'), ctx.stage) : str(event.path, 'path'),
        query: queryOf(event.queryStringParameters, event.multiValueQueryStringParameters, true),
        headers: headersOf(event.headers, event.multiValueHeaders),
        rawBody: bodyOf(event.body, event.isBase64Encoded),
        peer: isObj(ctx.identity) ? stringOr(ctx.identity.sourceIp) : undefined,
      },
    };
  }
  if (alb) {
    const headers = headersOf(event.headers, event.multiValueHeaders);
    return {
      source: multi || isObj(event.multiValueQueryStringParameters) ? 'alb-multi-value' : 'alb',
      request: {
        method: str(event.httpMethod, 'httpMethod').toUpperCase(),
        path: str(event.path, 'path'),
        query: queryOf(event.queryStringParameters, event.multiValueQueryStringParameters, false),
        headers,
        rawBody: bodyOf(event.body, event.isBase64Encoded),
        peer: albPeer(headers),
      },
    };
  }
  throw unsupported('no HTTP method and path in a known place');
}

/**
 * The reason phrases of the statuses wahook answers, for ALB's
 * statusDescription. A table rather than node:http's STATUS_CODES: loading
 * node:http for it would load the whole HTTP stack into every cold start.
 */
export const REASONS: Readonly<Record<number, string>> = {
  200: 'OK', 400: 'Bad Request', 401: 'Unauthorized', 403: 'Forbidden', 404: 'Not Found', 405: 'Method Not Allowed',
  408: 'Request Timeout', 410: 'Gone', 413: 'Payload Too Large', 415: 'Unsupported Media Type', 422: 'Unprocessable Entity',
  429: 'Too Many Requests', 431: 'Request Header Fields Too Large', 500: 'Internal Server Error', 501: 'Not Implemented', 502: 'Bad Gateway', 503: 'Service Unavailable', 504: 'Gateway Timeout',
};

const statusLine = (status: number): string => `${status} ${REASONS[status] ?? ''}`.trim();

/** The answer in the shape its source expects; the front door sets Content-Length itself. */
export function toLambdaResult(source: HttpSource, r: EdgeResponse): LambdaHttpResult {
  const headers: Record<string, string> = {};
  for (const [k, v] of Object.entries(r.headers)) if (k !== 'content-length') headers[k] = v;
  const base = { statusCode: r.status, body: r.body, isBase64Encoded: false };
  switch (source) {
    case 'alb':
      return { ...base, statusDescription: statusLine(r.status), headers };
    case 'alb-multi-value':
      return {
        ...base,
        statusDescription: statusLine(r.status),
        multiValueHeaders: Object.fromEntries(Object.entries(headers).map(([k, v]) => [k, [v]])),
      };
    default:
      return { ...base, headers };
  }
}
