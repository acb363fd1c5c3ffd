import assert from 'node:assert/strict';
import { test } from 'node:test';
import { isGatewayError } from '../core/errors.js';
import { coerce, loadConfig } from './load.js';
import { httpUrl } from './media.js';
import { SCHEMA } from './schema.js';

test('every default is already what its key coerces to, so loading takes defaults as they are', () => {
  for (const spec of SCHEMA) {
    if (spec.default === undefined) continue;
    assert.deepEqual(coerce(spec, spec.default, ''), spec.default, spec.key);
  }
});

test('given values are still coerced and checked, whichever layer gives them', () => {
  const config = loadConfig({ flags: { 'body-limit': '2048' }, env: { PORT: '8080', WAHOOK_QUEUE_DURABILITY: 'relaxed' } });
  assert.equal(config.port, 8080);
  assert.equal(config.bodyLimitBytes, 2048);
  assert.equal(config.queueDurability, 'relaxed');
  assert.throws(() => loadConfig({ env: { PORT: '80x' } }), (e) => isGatewayError(e) && e.code === 'WAHOOK_ERR_CONFIG_INVALID' && /PORT/.test(e.message));
  assert.throws(() => loadConfig({ env: { WAHOOK_QUEUE_DURABILITY: 'sometimes' } }), (e) => isGatewayError(e) && /one of strict, relaxed/.test(e.message));
});

test('an http(s) URL loses its trailing slashes and nothing else; anything else is refused', () => {
  assert.equal(httpUrl('https://graph.facebook.com///', 'graphUrl'), 'https://graph.facebook.com');
  assert.equal(httpUrl('http://127.0.0.1:9000/media/', 'media.whatsappCdnUrl'), 'http://127.0.0.1:9000/media');
  assert.equal(httpUrl('https://example.com', 'graphUrl'), 'https://example.com');
  assert.throws(() => httpUrl('ftp://example.com/', 'graphUrl'), (e) => isGatewayError(e) && /expected an http\(s\) URL/.test(e.message));
});
