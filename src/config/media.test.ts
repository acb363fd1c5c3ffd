import assert from 'node:assert/strict';
import { join } from 'node:path';
import { describe, test } from 'node:test';
import { isGatewayError } from '../core/errors.js';
import { loadConfig, redactConfig } from './load.js';

const load = (env: Record<string, string>, file?: unknown) => loadConfig({ env: { WAHOOK_APP_SECRET: 'x', WAHOOK_DATA_DIR: '/srv/wahook', ...env }, file });
const configError = (fn: () => unknown, key: string): void => {
  assert.throws(fn, (e: unknown) => isGatewayError(e) && e.code === 'WAHOOK_ERR_CONFIG_INVALID' && e.message.includes(`"${key}`), key);
};

describe('media config', () => {
  test('off until a token or a media URL asks for it (auto); on and off decide alone', () => {
    assert.equal(load({}).media.enabled, false);
    assert.equal(load({ WAHOOK_ACCESS_TOKEN: 't' }).media.enabled, true);
    assert.equal(load({ WAHOOK_MEDIA_URL: 'file:///m' }).media.enabled, true);
    assert.equal(load({}, { tenants: { acme: { appSecrets: ['s'], accessToken: 't' } } }).media.enabled, true);
    assert.equal(load({ WAHOOK_MEDIA: 'on' }).media.enabled, true);
    assert.equal(load({ WAHOOK_MEDIA: 'off', WAHOOK_ACCESS_TOKEN: 't' }).media.enabled, false);
  });

  test('media.url: media/ in the data dir by default, a file:// directory, or an S3 bucket and prefix', () => {
    assert.deepEqual(load({}).media.store, { kind: 'file', dir: join('/srv/wahook', 'media') });
    assert.deepEqual(load({ WAHOOK_MEDIA_URL: 'file:///var/lib/wa%20media' }).media.store, { kind: 'file', dir: '/var/lib/wa media' });
    assert.deepEqual(load({ WAHOOK_MEDIA_URL: 's3://wa-media/inbound/' }).media.store, { kind: 's3', bucket: 'wa-media', prefix: 'inbound/' });
    assert.deepEqual(load({ WAHOOK_MEDIA_URL: 's3://wa-media' }).media.store, { kind: 's3', bucket: 'wa-media', prefix: '' });
    for (const bad of ['https://bucket/x', 's3://', 's3://UPPER/x', 'file://']) configError(() => load({ WAHOOK_MEDIA_URL: bad }), 'media.url');
    configError(() => load({ WAHOOK_MEDIA_HOSTS: 'https://lookaside.fbsbx.com' }), 'media.hosts');
    configError(() => load({ AWS_ENDPOINT_URL_S3: 'minio:9000' }), 'media.s3Endpoint');
    const s3 = load({ AWS_ENDPOINT_URL_S3: 'http://127.0.0.1:9000/', WAHOOK_S3_FORCE_PATH_STYLE: 'true', AWS_REGION: 'eu-west-1' }).media;
    assert.deepEqual([s3.s3Endpoint, s3.s3ForcePathStyle, s3.s3Region], ['http://127.0.0.1:9000', true, 'eu-west-1']);
  });

  test('the Graph API base and version: top-level for every tenant unless one sets its own; tokens are redacted', () => {
    const c = load({ WAHOOK_ACCESS_TOKEN: 'env-token-1', WAHOOK_GRAPH_URL: 'http://127.0.0.1:7000/', WAHOOK_WASENDER_API_KEY: 'ws-key-2' }, {
      tenants: { acme: { appSecrets: ['s'], accessToken: 'file-token-3', graphVersion: 'v25.0' }, beta: { appSecrets: ['s'], graphUrl: 'https://graph.example.test' } },
    });
    assert.deepEqual([c.tenants.default!.accessToken, c.tenants.default!.graphUrl, c.tenants.default!.graphVersion, c.tenants.default!.wasenderApiKey], ['env-token-1', 'http://127.0.0.1:7000', 'v24.0', 'ws-key-2']);
    assert.deepEqual([c.tenants.acme!.accessToken, c.tenants.acme!.graphUrl, c.tenants.acme!.graphVersion], ['file-token-3', 'http://127.0.0.1:7000', 'v25.0']);
    assert.equal(c.tenants.beta!.graphUrl, 'https://graph.example.test');
    const printed = JSON.stringify(redactConfig(c));
    for (const secret of ['env-token-1', 'ws-key-2', 'file-token-3']) assert.ok(!printed.includes(secret), secret);
    configError(() => load({}, { tenants: { acme: { appSecrets: ['s'], graphUrl: 'graph.facebook.com' } } }), 'tenants.acme.graphUrl');
  });
});
