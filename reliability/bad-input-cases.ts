import { connect } from 'node:net';
import { signCloudApi } from '../src/core/signature.js';
import { cloudTextMessage } from '../src/loadgen/payloads.js';
import { exchange, piecesOf, statusOf } from '../test/helpers/raw.js';
import { SECRET } from './lib.js';

export interface Answer { readonly status: number; readonly code?: string }

export interface BadInputCase {
  readonly group: string;
  readonly name: string;
  /** The answer wahook must give; status 0 means the connection is closed without one. */
  readonly expect: Answer;
  send(port: number, timing: Timing): Promise<Answer>;
}

/** The gateway's own timeouts, so slow senders are given just long enough to be cut off. */
export interface Timing { readonly headersTimeoutMs: number; readonly requestTimeoutMs: number }

const answerOf = (text: string): Answer => ({ status: statusOf(text), code: /"code":"(WAHOOK_ERR_[A-Z0-9_]+)"/.exec(text)?.[1] });

/** One raw request, its head written as given (so repeated and odd headers stay as they are). */
async function raw(port: number, o: { path?: string; headers?: string[]; body?: Buffer; length?: number; waitMs?: number }): Promise<Answer> {
  const body = o.body ?? Buffer.alloc(0);
  const head = [`POST ${o.path ?? '/webhook'} HTTP/1.1`, 'host: 127.0.0.1', `content-length: ${o.length ?? body.length}`, 'connection: close', ...(o.headers ?? [])].join('\r\n');
  return answerOf((await exchange(port, head, body, o.waitMs ?? 10_000)).text);
}

const JSON_TYPE = 'content-type: application/json';
const sig = (body: Buffer): string => `x-hub-signature-256: ${signCloudApi(body, SECRET)}`;
const signed = (port: number, body: Buffer, extra: string[] = []): Promise<Answer> => raw(port, { body, headers: [JSON_TYPE, sig(body), ...extra] });

const valid = (): Buffer => cloudTextMessage({ id: `wamid.bad.${Date.now()}.${Math.random()}`, nowSec: Math.floor(Date.now() / 1000) });
const notJson: Answer = { status: 400, code: 'WAHOOK_ERR_PAYLOAD_NOT_JSON' };
const notUtf8: Answer = { status: 400, code: 'WAHOOK_ERR_PAYLOAD_NOT_UTF8' };
const notEnvelope: Answer = { status: 400, code: 'WAHOOK_ERR_PAYLOAD_NOT_ENVELOPE' };
const badType: Answer = { status: 415, code: 'WAHOOK_ERR_HTTP_MEDIA_TYPE' };
const timeout: Answer = { status: 408, code: 'WAHOOK_ERR_HTTP_TIMEOUT' };
const tooLarge: Answer = { status: 413, code: 'WAHOOK_ERR_HTTP_BODY_TOO_LARGE' };
const unknownTenant: Answer = { status: 404, code: 'WAHOOK_ERR_TENANT_UNKNOWN' };
const notFound: Answer = { status: 404, code: 'WAHOOK_ERR_HTTP_NOT_FOUND' };

/** Sequences no UTF-8 decoder may accept; inside a JSON string each is otherwise a valid delivery. */
const INVALID_IN_TEXT: [string, number[]][] = [
  ['a 0xFF byte', [0xff]],
  ['an overlong "/" (C0 AF)', [0xc0, 0xaf]],
  ['a lone surrogate (ED A0 80)', [0xed, 0xa0, 0x80]],
  ['a three-byte sequence cut after two bytes', [0xe2, 0x82]],
];
const MARK = 'INVALID-UTF8-HERE';
/** A valid delivery whose text holds `bytes` where the mark was. */
function withTextBytes(bytes: number[]): Buffer {
  const b = cloudTextMessage({ id: `wamid.bad.${Date.now()}.${Math.random()}`, nowSec: Math.floor(Date.now() / 1000), text: `before ${MARK} after` });
  const at = b.indexOf(MARK);
  return Buffer.concat([b.subarray(0, at), Buffer.from(bytes), b.subarray(at + MARK.length)]);
}

const DEPTH = 100_000;
const nested = (depth: number): string => '['.repeat(depth) + ']'.repeat(depth);
const envelopeAround = (value: string): Buffer => Buffer.from(`{"object":"whatsapp_business_account","entry":[{"id":"1","changes":[{"field":"messages","value":${value}}]}]}`);

/** Every hostile input of the suite, with the answer it must get. */
export function badInputCases(bodyLimitBytes: number): BadInputCase[] {
  const c = (group: string, name: string, expect: Answer, send: BadInputCase['send']): BadInputCase => ({ group, name, expect, send });
  return [
    c('malformed JSON', 'an object cut after its first key', notJson, (p) => signed(p, Buffer.from('{"object":'))),
    c('malformed JSON', 'a valid delivery truncated to half its bytes', notJson, (p) => { const b = valid(); return signed(p, b.subarray(0, b.length >> 1)); }),
    c('malformed JSON', 'a trailing comma and a bare word', notJson, (p) => signed(p, Buffer.from('{"object":"whatsapp_business_account","entry":[],}x'))),
    c('malformed JSON', 'a body shorter than its Content-Length (the sender stops)', timeout, (p, t) => { const b = valid(); return raw(p, { body: b.subarray(0, 100), length: b.length, headers: [JSON_TYPE, sig(b)], waitMs: t.requestTimeoutMs + 5000 }); }),
    c('deep nesting', `arrays ${DEPTH.toLocaleString('en')} levels deep as the body`, notEnvelope, (p) => signed(p, Buffer.from(nested(DEPTH)))),
    c('deep nesting', `objects ${DEPTH.toLocaleString('en')} levels deep as the body`, notEnvelope, (p) => signed(p, Buffer.from('{"a":'.repeat(DEPTH) + '1' + '}'.repeat(DEPTH)))),
    c('deep nesting', `arrays ${DEPTH.toLocaleString('en')} levels deep inside an envelope's value`, notEnvelope, (p) => signed(p, envelopeAround(nested(DEPTH)))),
    c('huge arrays', 'a top-level array of a million zeros', notEnvelope, (p) => signed(p, Buffer.from(`[${Array(1_000_000).fill(0).join(',')}]`))),
    c('huge arrays', 'an entry array of a million numbers', notEnvelope, (p) => signed(p, Buffer.from(`{"object":"whatsapp_business_account","entry":[${Array(1_000_000).fill(1).join(',')}]}`))),
    c('wrong content types', 'text/plain', badType, (p) => { const b = valid(); return raw(p, { body: b, headers: ['content-type: text/plain', sig(b)] }); }),
    c('wrong content types', 'application/x-www-form-urlencoded', badType, (p) => { const b = valid(); return raw(p, { body: b, headers: ['content-type: application/x-www-form-urlencoded', sig(b)] }); }),
    c('wrong content types', 'multipart/form-data', badType, (p) => { const b = valid(); return raw(p, { body: b, headers: ['content-type: multipart/form-data; boundary=x', sig(b)] }); }),
    c('wrong content types', 'application/jsonp (a prefix of the right type)', badType, (p) => { const b = valid(); return raw(p, { body: b, headers: ['content-type: application/jsonp', sig(b)] }); }),
    c('wrong content types', 'no Content-Type at all', badType, (p) => { const b = valid(); return raw(p, { body: b, headers: [sig(b)] }); }),
    c('invalid UTF-8', 'a 0xFF byte where JSON expects a colon', notUtf8, (p) => signed(p, Buffer.concat([Buffer.from('{"object"'), Buffer.from([0xff]), Buffer.from(':"x","entry":[]}')]))),
    c('invalid UTF-8', 'an overlong encoding of "{" as the first byte', notUtf8, (p) => signed(p, Buffer.concat([Buffer.from([0xc1, 0xbb]), Buffer.from('"object":"x","entry":[]}')]))),
    c('invalid UTF-8', 'a lone surrogate encoded in UTF-8 between tokens', notUtf8, (p) => signed(p, Buffer.concat([Buffer.from('{'), Buffer.from([0xed, 0xa0, 0x80]), Buffer.from('"object":"x","entry":[]}')]))),
    ...INVALID_IN_TEXT.map(([name, bytes]) => c('invalid UTF-8', `${name} inside a message's text`, notUtf8, (p) => signed(p, withTextBytes(bytes)))),
    c('header floods', '4,000 headers (past the 16 KiB head limit)', { status: 431, code: 'WAHOOK_ERR_HTTP_HEADERS_TOO_LARGE' }, (p) => { const b = valid(); return raw(p, { body: b, headers: [JSON_TYPE, sig(b), ...Array.from({ length: 4000 }, (_, i) => `x-flood-${i}: y`)] }); }),
    c('header floods', 'one 64 KiB header', { status: 431, code: 'WAHOOK_ERR_HTTP_HEADERS_TOO_LARGE' }, (p) => { const b = valid(); return raw(p, { body: b, headers: [JSON_TYPE, sig(b), `x-big: ${'a'.repeat(65_536)}`] }); }),
    c('slowloris', 'the head sent one byte at a time', timeout, (p, t) => slowHead(p, t)),
    c('slowloris', 'the body sent 16 bytes at a time, over twice the request timeout', timeout, (p, t) => { const b = valid(); return slowBody(p, t, b, [JSON_TYPE, sig(b)]); }),
    c('oversized bodies', 'a Content-Length past the limit', tooLarge, (p) => raw(p, { body: Buffer.alloc(16), length: bodyLimitBytes + 1, headers: [JSON_TYPE, sig(Buffer.alloc(16))] })),
    c('oversized bodies', 'a chunked body that grows past the limit', tooLarge, (p) => chunkedPast(p, bodyLimitBytes)),
    c('signature headers', 'a wrong signature', { status: 401, code: 'WAHOOK_ERR_SIGNATURE_INVALID' }, (p) => { const b = valid(); return raw(p, { body: b, headers: [JSON_TYPE, `x-hub-signature-256: sha256=${'0'.repeat(64)}`] }); }),
    c('signature headers', 'no signature header', { status: 401, code: 'WAHOOK_ERR_SIGNATURE_MISSING' }, (p) => raw(p, { body: valid(), headers: [JSON_TYPE] })),
    c('signature headers', 'an empty signature header', { status: 401, code: 'WAHOOK_ERR_SIGNATURE_MISSING' }, (p) => raw(p, { body: valid(), headers: [JSON_TYPE, 'x-hub-signature-256: '] })),
    c('signature headers', 'a signature over other bytes', { status: 401, code: 'WAHOOK_ERR_SIGNATURE_INVALID' }, (p) => raw(p, { body: valid(), headers: [JSON_TYPE, sig(valid())] })),
    c('signature headers', 'the right signature repeated after a wrong one', { status: 401, code: 'WAHOOK_ERR_SIGNATURE_INVALID' }, (p) => { const b = valid(); return raw(p, { body: b, headers: [JSON_TYPE, `x-hub-signature-256: sha256=${'0'.repeat(64)}`, sig(b)] }); }),
    c('signature headers', 'the right signature twice', { status: 401, code: 'WAHOOK_ERR_SIGNATURE_INVALID' }, (p) => { const b = valid(); return raw(p, { body: b, headers: [JSON_TYPE, sig(b), sig(b)] }); }),
    ...[
      ['/webhook/..%2f..%2fetc%2fpasswd', unknownTenant], ['/webhook/%2e%2e', unknownTenant], ['/webhook/..', unknownTenant],
      ['/webhook/../webhook', notFound], ['/webhook/default%2fwasender', unknownTenant], ['/webhook/default%00', unknownTenant],
      ['/webhook/%ZZ', notFound], ['/webhook/__proto__', unknownTenant], ['/webhook/constructor', unknownTenant],
      [`/webhook/${'a'.repeat(8000)}`, unknownTenant], ['/webhook/default/../../admin', notFound], ['//webhook', notFound],
    ].map(([path, expect]) => c('tenant path tricks', String(path).slice(0, 48), expect as Answer, (p) => { const b = valid(); return raw(p, { path: path as string, body: b, headers: [JSON_TYPE, sig(b)] }); })),
  ];
}

function slowHead(port: number, t: Timing): Promise<Answer> {
  const head = Buffer.from(`POST /webhook HTTP/1.1\r\nhost: 127.0.0.1\r\n${JSON_TYPE}\r\nx-slow: ${'z'.repeat(400)}\r\n`);
  return dripHead(port, head, t.headersTimeoutMs + 5000).then(answerOf);
}

/** Writes `head` one byte every 20 ms and never finishes it; resolves with what the server sent when it closed. */
function dripHead(port: number, head: Buffer, waitMs: number): Promise<string> {
  return new Promise((resolve) => {
    let text = '';
    let i = 0;
    const s = connect(port, '127.0.0.1');
    const drip = setInterval(() => { if (i < head.length && s.writable) s.write(head.subarray(i, ++i)); }, 20);
    const done = (): void => { clearInterval(drip); clearTimeout(timer); s.destroy(); resolve(text); };
    const timer = setTimeout(done, waitMs);
    s.on('data', (d: Buffer) => (text += d.toString('latin1')));
    s.on('close', done);
    s.on('error', done);
  });
}

function slowBody(port: number, t: Timing, body: Buffer, headers: string[]): Promise<Answer> {
  const head = ['POST /webhook HTTP/1.1', 'host: 127.0.0.1', `content-length: ${body.length}`, ...headers].join('\r\n');
  const pieces = piecesOf(body, 16);
  // Paced to take twice the request timeout: a body that merely arrives slowly but in time is a fine delivery.
  const gapMs = Math.ceil((2 * t.requestTimeoutMs) / pieces.length);
  return exchange(port, head, pieces, t.requestTimeoutMs + 5000, gapMs).then((x) => answerOf(x.text));
}

function chunkedPast(port: number, limit: number): Promise<Answer> {
  const chunk = Buffer.alloc(65_536, 0x20);
  const pieces = Array.from({ length: Math.ceil(limit / chunk.length) + 2 }, () => Buffer.concat([Buffer.from(`${chunk.length.toString(16)}\r\n`), chunk, Buffer.from('\r\n')]));
  const head = ['POST /webhook HTTP/1.1', 'host: 127.0.0.1', JSON_TYPE, `x-hub-signature-256: sha256=${'0'.repeat(64)}`, 'transfer-encoding: chunked'].join('\r\n');
  return exchange(port, head, pieces, 10_000, 1).then((x) => answerOf(x.text));
}
