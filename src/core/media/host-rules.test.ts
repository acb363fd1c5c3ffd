import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { isGatewayError } from '../errors.js';
import { allowsPrivate, hostRules, isPrivateAddress, ruleFor } from './host-rules.js';

describe('media host rules', () => {
  test('the built-in list takes Meta\'s media host and WhatsApp\'s CDN over https only, and none may be private', () => {
    const rules = hostRules([]);
    const allowed = (u: string): boolean => ruleFor(rules, new URL(u)) !== undefined;
    assert.ok(allowed('https://lookaside.fbsbx.com/whatsapp_business/attachments/?mid=1'));
    assert.ok(allowed('https://mmg.whatsapp.net/v/t62/x.enc'));
    assert.ok(allowed('https://media-lhr8-1.cdn.whatsapp.net/v/x.enc'));
    assert.ok(!allowed('http://mmg.whatsapp.net/v/x.enc'), 'plain http');
    assert.ok(!allowed('https://mmg.whatsapp.net:8443/v/x.enc'), 'another port');
    assert.ok(!allowed('https://whatsapp.net.evil.example/x'), 'a suffix that is not a subdomain');
    assert.ok(!allowed('https://evilwhatsapp.net/x'));
    assert.ok(!allowed('https://169.254.169.254/latest/meta-data'));
    assert.ok(!allowed('file:///etc/passwd'));
    assert.ok(rules.every((r) => !allowsPrivate(r)));
  });

  test('a set list replaces the built-in one; an exact host may be private, a wildcard may not', () => {
    const rules = hostRules(['127.0.0.1:9000', 'cdn.test:8080', '*.media.test', '[::1]:9001']);
    assert.equal(ruleFor(rules, new URL('https://mmg.whatsapp.net/x')), undefined);
    const local = ruleFor(rules, new URL('http://127.0.0.1:9000/dl/1'));
    assert.ok(local && allowsPrivate(local));
    assert.equal(ruleFor(rules, new URL('http://127.0.0.1:9001/dl/1')), undefined, 'only the listed port');
    assert.ok(allowsPrivate(ruleFor(rules, new URL('http://[::1]:9001/x'))!));
    assert.ok(allowsPrivate(ruleFor(rules, new URL('http://CDN.test:8080/x'))!), 'names compare without case');
    const wild = ruleFor(rules, new URL('https://a.b.media.test/x'));
    assert.ok(wild && !allowsPrivate(wild));
  });

  test('entries that are not hosts are configuration errors naming the key', () => {
    for (const bad of ['http://x.test', 'x.test/path', 'x.test:0', 'x.test:70000', '*.', 'a b']) {
      assert.throws(() => hostRules([bad]), (e: unknown) => isGatewayError(e) && e.code === 'WAHOOK_ERR_CONFIG_INVALID' && e.message.includes('media.hosts'), bad);
    }
  });

  test('private, loopback and reserved addresses, in every IPv4 and IPv6 form', () => {
    const refused = ['127.0.0.1', '10.0.0.8', '172.16.4.1', '172.31.255.255', '192.168.1.1', '169.254.169.254', '100.64.0.1', '0.0.0.0', '224.0.0.1', '255.255.255.255', '198.18.0.1',
      '::1', '::', '::ffff:127.0.0.1', '::ffff:7f00:1', '::ffff:10.1.1.1', '64:ff9b::a00:1', 'fd00::1', 'fe80::1%eth0', 'ff02::1', '2001:db8::1', 'not-an-ip'];
    const allowed = ['157.240.22.35', '31.13.64.51', '172.32.0.1', '100.128.0.1', '8.8.8.8', '2a03:2880:f12f:83:face:b00c:0:25de', '::ffff:157.240.22.35', '64:ff9b::9df0:1623'];
    for (const ip of refused) assert.equal(isPrivateAddress(ip), true, ip);
    for (const ip of allowed) assert.equal(isPrivateAddress(ip), false, ip);
  });
});
