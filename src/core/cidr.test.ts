import assert from 'node:assert/strict';
import { test } from 'node:test';
import { cidrContains, cidrList, parseCidr, parseIp } from './cidr.js';

const bytes = (s: string): number[] => [...(parseIp(s) ?? [])];

test('IPv4 and IPv6 addresses parse to their bytes; malformed ones do not parse', () => {
  assert.deepEqual(bytes('203.0.113.7'), [203, 0, 113, 7]);
  assert.deepEqual(bytes('::1'), [...new Array(15).fill(0), 1]);
  assert.deepEqual(bytes('2001:db8::8:800:200c:417a'), [0x20, 0x01, 0x0d, 0xb8, 0, 0, 0, 0, 0, 8, 8, 0, 0x20, 0x0c, 0x41, 0x7a]);
  assert.deepEqual(bytes('[fe80::1%eth0]'), [0xfe, 0x80, ...new Array(13).fill(0), 1], 'brackets and a zone are dropped');
  for (const bad of ['', '1.2.3', '1.2.3.4.5', '256.1.1.1', '01.2.3.4', '1.2.3.-4', 'a.b.c.d', '1::2::3', ':1:2:3:4:5:6:7', '1:2:3:4:5:6:7:8:9', '12345::', 'g::1', 'localhost', '1.2.3.4::', '::1.2.3.4:5']) {
    assert.equal(parseIp(bad), undefined, bad);
  }
});

test('an IPv4-mapped IPv6 address is the IPv4 address it maps', () => {
  assert.deepEqual(bytes('::ffff:10.1.2.3'), [10, 1, 2, 3]);
  assert.deepEqual(bytes('::FFFF:a01:203'), [10, 1, 2, 3], 'hex form and upper case too');
  assert.equal(parseIp('::fffe:10.1.2.3')?.length, 16, 'only ::ffff:0:0/96 is a mapping');
});

test('ranges: prefix lengths, bare addresses and bits past the prefix', () => {
  assert.deepEqual(parseCidr('10.0.0.0/8'), { bytes: new Uint8Array([10, 0, 0, 0]), prefix: 8 });
  assert.equal(parseCidr('192.0.2.1')?.prefix, 32, 'a bare address is a single-address range');
  assert.equal(parseCidr('2400:cb00::/32')?.prefix, 32);
  assert.equal(parseCidr('[2400:cb00::]/32')?.prefix, 32);
  assert.deepEqual(parseCidr('::ffff:10.0.0.0/104'), { bytes: new Uint8Array([10, 0, 0, 0]), prefix: 8 }, 'a mapped range becomes IPv4');
  for (const bad of ['10.0.0.0/33', '::/129', '10.0.0.0/', '10.0.0.0/-1', '10.0.0.0/8/8', 'x/8', '10.0.0.0/08x']) assert.equal(parseCidr(bad), undefined, bad);
  const r = parseCidr('173.245.48.0/20')!;
  assert.ok(cidrContains(r, parseIp('173.245.48.1')!));
  assert.ok(cidrContains(r, parseIp('173.245.63.255')!));
  assert.ok(!cidrContains(r, parseIp('173.245.64.0')!));
  assert.ok(!cidrContains(r, parseIp('173.245.47.255')!));
  assert.ok(cidrContains(parseCidr('10.9.9.9/8')!, parseIp('10.200.0.1')!), 'host bits past the prefix are ignored');
  assert.ok(cidrContains(parseCidr('0.0.0.0/0')!, parseIp('8.8.8.8')!));
  assert.ok(!cidrContains(parseCidr('::/0')!, parseIp('8.8.8.8')!), 'an IPv6 range never holds an IPv4 address');
});

test('a list matches IPv4, IPv6 and mapped addresses, and names the first entry that is not a range', () => {
  const { list, invalid } = cidrList(['173.245.48.0/20', '2400:cb00::/32', '127.0.0.1']);
  assert.equal(invalid, undefined);
  assert.equal(list.size, 3);
  assert.ok(list.has('173.245.50.9'));
  assert.ok(list.has('::ffff:173.245.50.9'), 'a dual-stack socket reports IPv4 peers mapped');
  assert.ok(list.has('2400:cb00:2049::1'));
  assert.ok(list.has('::ffff:127.0.0.1'));
  assert.ok(!list.has('2400:cb01::1'));
  assert.ok(!list.has('127.0.0.2'));
  assert.ok(!list.has(undefined));
  assert.ok(!list.has('not an address'));
  assert.equal(cidrList(['10.0.0.0/8', 'cloudflare', '::1']).invalid, 'cloudflare');
  assert.ok(!cidrList([]).list.has('10.0.0.1'), 'an empty list holds nothing');
});
