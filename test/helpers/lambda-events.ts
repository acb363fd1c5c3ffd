import type { WebhookRequest } from '../../src/edge/handle-webhook.js';
import { loadFixture } from './fixtures.js';

/**
 * A published example event of each HTTP source (test/fixtures/lambda/,
 * sources in its README) with a given request put where that source puts
 * it, in that source's own form: REST API headers in the case sent and in
 * both `headers` and `multiValueHeaders`, decoded query values; HTTP API and
 * function URL lower-case headers and the raw query; ALB query values as
 * sent, and with multi-value headers only the multi-value forms.
 */
export type Source = 'rest-api' | 'http-api' | 'function-url' | 'alb' | 'alb-multi-value';

export const FIXTURE: Record<Source, string> = {
  'rest-api': 'lambda/apigw-v1-rest.json',
  'http-api': 'lambda/apigw-v2-http.json',
  'function-url': 'lambda/function-url.json',
  alb: 'lambda/alb-single-value.json',
  'alb-multi-value': 'lambda/alb-multi-value.json',
};

const titleCase = (h: string): string => h.replace(/(^|-)([a-z])/g, (_, d: string, c: string) => d + c.toUpperCase());

export function eventFor(source: Source, req: WebhookRequest, opts: { base64?: boolean } = {}): Record<string, unknown> {
  const e = structuredClone(loadFixture(FIXTURE[source])) as Record<string, unknown>;
  const body = req.rawBody === null ? null : Buffer.from(req.rawBody).toString(opts.base64 ? 'base64' : 'utf8');
  const headers = Object.fromEntries(Object.entries(req.headers).map(([k, v]) => [k, String(v)]));
  const params = [...new URLSearchParams(req.query)];
  switch (source) {
    case 'http-api':
    case 'function-url': {
      const ctx = e.requestContext as { http: Record<string, unknown> };
      ctx.http.method = req.method;
      ctx.http.path = req.path;
      return { ...e, rawPath: req.path, rawQueryString: req.query, headers: { ...(e.headers as object), ...headers }, body, isBase64Encoded: opts.base64 === true };
    }
    case 'rest-api': {
      const h = Object.fromEntries(Object.entries(headers).map(([k, v]) => [titleCase(k), v]));
      const multiQuery: Record<string, string[]> = {};
      for (const [k, v] of params) (multiQuery[k] ??= []).push(v);
      return {
        ...e, httpMethod: req.method, path: req.path,
        headers: { ...(e.headers as object), ...h },
        multiValueHeaders: { ...(e.multiValueHeaders as object), ...Object.fromEntries(Object.entries(h).map(([k, v]) => [k, [v]])) },
        queryStringParameters: params.length ? Object.fromEntries(params) : null,
        multiValueQueryStringParameters: params.length ? multiQuery : null,
        body, isBase64Encoded: opts.base64 === true,
      };
    }
    case 'alb': {
      const raw = Object.fromEntries(req.query.split('&').filter(Boolean).map((p) => p.split('=') as [string, string]));
      return { ...e, httpMethod: req.method, path: req.path, headers: { ...(e.headers as object), ...headers }, queryStringParameters: raw, body: body ?? '', isBase64Encoded: opts.base64 === true };
    }
    case 'alb-multi-value': {
      const raw: Record<string, string[]> = {};
      for (const p of req.query.split('&').filter(Boolean)) {
        const [k, v] = p.split('=') as [string, string];
        (raw[k] ??= []).push(v);
      }
      return {
        ...e, httpMethod: req.method, path: req.path,
        multiValueHeaders: { ...(e.multiValueHeaders as object), ...Object.fromEntries(Object.entries(headers).map(([k, v]) => [k, [v]])) },
        multiValueQueryStringParameters: raw, body: body ?? '', isBase64Encoded: opts.base64 === true,
      };
    }
  }
}

export type SqsRecord = Record<string, unknown> & { messageId: string; body: string; attributes: Record<string, string> };

/** An SQS event of the fixture's shape (standard or FIFO) carrying the given messages. */
export function sqsEventFor(fixture: 'lambda/sqs-standard-attributes.json' | 'lambda/sqs-fifo.json', messages: readonly { id: string; body: string; groupId?: string }[]): { Records: SqsRecord[] } {
  const [template] = (loadFixture(fixture) as { Records: Record<string, unknown>[] }).Records;
  return {
    Records: messages.map((m) => {
      const r = structuredClone(template!) as SqsRecord;
      if (m.groupId !== undefined) r.attributes.MessageGroupId = m.groupId;
      return { ...r, messageId: m.id, body: m.body };
    }),
  };
}
