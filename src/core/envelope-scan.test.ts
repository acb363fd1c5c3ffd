import assert from 'node:assert/strict';
import { test } from 'node:test';
import { fixtureBytes, listFixtures } from '../../test/helpers/fixtures.js';
import { cloudTextMessage } from '../loadgen/payloads.js';
import { isEnvelopeCertainly } from './envelope-scan.js';
import { checkEnvelope, isCloudApiEnvelope, isWasenderEnvelope } from './envelope.js';
import type { Provider } from './events.js';
import { isGatewayError } from './errors.js';
import { seededRandom as rng } from './seeded-random.js';

/** What JSON.parse says of the body: the answer the scan must never contradict. */
function parsed(provider: Provider, body: Uint8Array): 'envelope' | 'other' | 'not json' {
  let v: unknown;
  try {
    v = JSON.parse(Buffer.from(body).toString('utf8'));
  } catch {
    return 'not json';
  }
  return (provider === 'cloud_api' ? isCloudApiEnvelope(v) : isWasenderEnvelope(v)) ? 'envelope' : 'other';
}

function checkedWith(provider: Provider, body: Uint8Array, scan?: typeof isEnvelopeCertainly): string {
  try {
    checkEnvelope(provider, body, scan);
    return 'envelope';
  } catch (e) {
    assert.ok(isGatewayError(e));
    return e.code;
  }
}

/** checkEnvelope's answer, which must be the same with the scan (a server) and without it (a function). */
function checked(provider: Provider, body: Uint8Array): string {
  const scanned = checkedWith(provider, body, isEnvelopeCertainly);
  assert.equal(checkedWith(provider, body), scanned, 'with and without the scan');
  return scanned;
}

const b = (s: string): Buffer => Buffer.from(s, 'utf8');

test('every fixture: the scan is sure of the envelopes and checkEnvelope agrees with JSON.parse', () => {
  let sure = 0;
  for (const [dir, provider] of [['cloud-api', 'cloud_api'], ['wasender', 'wasender']] as const) {
    for (const f of listFixtures(dir)) {
      const body = fixtureBytes(f);
      const truth = parsed(provider, body);
      if (isEnvelopeCertainly(provider, body)) {
        assert.equal(truth, 'envelope', f);
        sure++;
      }
      const want = truth === 'envelope' ? 'envelope' : truth === 'not json' ? 'WAHOOK_ERR_PAYLOAD_NOT_JSON' : 'WAHOOK_ERR_PAYLOAD_NOT_ENVELOPE';
      assert.equal(checked(provider, body), want, f);
    }
  }
  // The point of the scan: real deliveries do not fall back to JSON.parse.
  assert.ok(sure >= 60, `sure of ${sure} fixtures`);
});

test('sure of typical shapes; leaves repeated or escaped shape keys, deep nesting and anything invalid to JSON.parse', () => {
  const yes: [Provider, string][] = [
    ['cloud_api', '{"object":"x","entry":[]}'],
    ['cloud_api', ' \r\n\t{ "entry" : [ { "changes" : [ ] , "id" : "1" } , {"changes":[1,-0.5e+3,true,false,null,"\\u00e9\\n"]} ] , "object" : "" } \n'],
    ['cloud_api', cloudTextMessage({ id: 'wamid.1', nowSec: 1, text: 'Olá ✓ "q" \\ \u0001' }).toString()],
    ['wasender', '{"event":"messages.received","data":{"x":[1,2]}}'],
    ['wasender', '{"data":null,"event":"e"}'],
  ];
  for (const [p, s] of yes) assert.equal(isEnvelopeCertainly(p, b(s)), true, s);
  const unsure: [Provider, string][] = [
    ['cloud_api', '{"object":"x","object":"y","entry":[]}'],
    ['cloud_api', '{"\\u006fbject":"x","entry":[]}'],
    ['cloud_api', '{"object":"x","entry":[{"changes":[],"changes":[]}]}'],
    ['cloud_api', `{"object":"x","entry":[{"changes":[${'['.repeat(300)}${']'.repeat(300)}]}]}`],
    ['cloud_api', '\ufeff{"object":"x","entry":[]}'],
    ['wasender', '{"event":"","data":1}'],
    ['wasender', '{"event":"e","event":"f","data":1}'],
  ];
  for (const [p, s] of unsure) assert.equal(isEnvelopeCertainly(p, b(s)), false, s);
  // Deep nesting that JSON.parse accepts is still an envelope, through the fallback.
  assert.equal(checked('cloud_api', b(unsure[3]![1])), 'envelope');
  const no: [Provider, string][] = [
    ['cloud_api', ''], ['cloud_api', '{}'], ['cloud_api', '[]'], ['cloud_api', '{"object":1,"entry":[]}'],
    ['cloud_api', '{"object":"x","entry":[{}]}'], ['cloud_api', '{"object":"x","entry":[{"changes":{}}]}'],
    ['cloud_api', '{"object":"x","entry":[]'], ['cloud_api', '{"object":"x","entry":[]}x'], ['cloud_api', '{"object":"x","entry":[],}'],
    ['cloud_api', '{"object":"x","entry":[{"changes":[01]}]}'], ['cloud_api', '{"object":"x","entry":[{"changes":[1.]}]}'],
    ['cloud_api', '{"object":"x","entry":[{"changes":[tru]}]}'], ['cloud_api', '{"object":"a\u0001b","entry":[]}'],
    ['cloud_api', '{"object":"\\x","entry":[]}'], ['cloud_api', '{"object":"\\u12g4","entry":[]}'], ['cloud_api', "{'object':'x','entry':[]}"],
    ['wasender', '{"event":"e"}'], ['wasender', '{"event":1,"data":1}'],
  ];
  for (const [p, s] of no) assert.equal(isEnvelopeCertainly(p, b(s)), false, s);
});

// Bytes that matter to JSON's grammar, to UTF-8 decoding and to the shape.
const INTERESTING = [...'{}[]":,\\/ \t\r\n0123456789-+.eEtrufalsnbx'].map((c) => c.charCodeAt(0)).concat([0, 0x1f, 0x7f, 0x80, 0xbf, 0xc3, 0xe2, 0xed, 0xef, 0xf0, 0xff]);
const SNIPPETS = ['"object"', '"entry"', '"changes"', '"event"', '"data"', '\\u', '\\u00', '""', '[]', '{}', 'null', '-0', '1e5', '\\"'].map(b);

function mutate(src: Buffer, r: () => number): Buffer {
  const out = Buffer.from(src);
  const edits = 1 + Math.floor(r() * 3);
  let cur: Buffer = out;
  for (let k = 0; k < edits; k++) {
    const at = Math.floor(r() * (cur.length + 1));
    const kind = r();
    if (kind < 0.35 && cur.length > 0) {
      cur[Math.min(at, cur.length - 1)] = INTERESTING[Math.floor(r() * INTERESTING.length)]!;
    } else if (kind < 0.55) {
      cur = Buffer.concat([cur.subarray(0, at), cur.subarray(Math.min(cur.length, at + 1 + Math.floor(r() * 4)))]);
    } else if (kind < 0.8) {
      cur = Buffer.concat([cur.subarray(0, at), Buffer.from([INTERESTING[Math.floor(r() * INTERESTING.length)]!]), cur.subarray(at)]);
    } else {
      cur = Buffer.concat([cur.subarray(0, at), SNIPPETS[Math.floor(r() * SNIPPETS.length)]!, cur.subarray(at)]);
    }
  }
  return cur;
}

test('mutated deliveries: whenever the scan is sure, JSON.parse finds an envelope too', () => {
  const sources: [Provider, Buffer][] = [
    ...listFixtures('cloud-api').map((f) => ['cloud_api', fixtureBytes(f)] as [Provider, Buffer]),
    ...listFixtures('wasender').map((f) => ['wasender', fixtureBytes(f)] as [Provider, Buffer]),
    ['cloud_api', cloudTextMessage({ id: 'wamid.fuzz', nowSec: 1, text: 'Olá ✓ "q" \\' })],
  ];
  let sure = 0;
  let tried = 0;
  for (let seed = 1; seed <= 40_000; seed++) {
    const r = rng(seed);
    const [provider, src] = sources[Math.floor(r() * sources.length)]!;
    const body = mutate(src, r);
    const truth = parsed(provider, body);
    tried++;
    if (isEnvelopeCertainly(provider, body)) {
      sure++;
      assert.equal(truth, 'envelope', `seed ${seed}: ${body.toString('latin1')}`);
    }
  }
  // Both outcomes were exercised, not just the fallback.
  assert.ok(sure > tried / 20 && sure < tried, `sure of ${sure} of ${tried}`);
});

test('a \\u escape takes hex digits only: the bytes 0x10-0x19 are not digits (review case)', () => {
  const body = Buffer.concat([b('{"object":"\\u'), Buffer.from([0x10, 0x11, 0x12, 0x19]), b('","entry":[]}')]);
  assert.equal(isEnvelopeCertainly('cloud_api', body), false);
  assert.equal(checked('cloud_api', body), 'WAHOOK_ERR_PAYLOAD_NOT_JSON');
  for (let c = 0x10; c <= 0x19; c++) {
    const one = b(`{"event":"e\\u00${String.fromCharCode(0x30)}X","data":1}`);
    one[one.indexOf(0x58)] = c;
    assert.equal(isEnvelopeCertainly('wasender', one), false, `byte 0x${c.toString(16)}`);
  }
  for (const ok of ['\\u00aF', '\\uABCD', '\\u0000']) assert.equal(isEnvelopeCertainly('cloud_api', b(`{"object":"${ok}","entry":[]}`)), true, ok);
});

test('every byte value at every position of the templates: the scan never contradicts JSON.parse', () => {
  // Small templates that hold every construct the scan reads: escapes (\u with both cases of hex), numbers, literals, shape keys.
  const templates: [Provider, string][] = [
    ['cloud_api', '{"object":"\\u00e9x","entry":[{"changes":[1,-0.5e+3,true,false,null,"a\\n\\u12AB"],"id":"7"}]}'],
    ['wasender', '{"event":"messages.received","data":{"id":"\\u0041\\"b","n":[0,1E5,null,{}]}}'],
    ['cloud_api', '{"object":"\\u1234","entry":[]}'],
  ];
  let bodies = 0;
  let sure = 0;
  for (const [provider, text] of templates) {
    const src = b(text);
    assert.equal(isEnvelopeCertainly(provider, src), true, `template ${text}`);
    for (let at = 0; at < src.length; at++) {
      for (let v = 0; v <= 0xff; v++) {
        const body = Buffer.from(src);
        body[at] = v;
        const truth = parsed(provider, body);
        const scan = isEnvelopeCertainly(provider, body);
        if (scan) sure++;
        bodies++;
        if (scan && truth !== 'envelope') assert.fail(`scan sure, JSON.parse says ${truth}: byte 0x${v.toString(16)} at ${at} of ${text}`);
        const want = truth === 'envelope' ? 'envelope' : truth === 'not json' ? 'WAHOOK_ERR_PAYLOAD_NOT_JSON' : 'WAHOOK_ERR_PAYLOAD_NOT_ENVELOPE';
        assert.equal(checked(provider, body), want, `byte 0x${v.toString(16)} at ${at} of ${text}`);
      }
    }
  }
  assert.ok(sure > bodies / 50 && sure < bodies, `sure of ${sure} of ${bodies}`);
});
