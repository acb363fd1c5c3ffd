import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { camelize, flexibleToMs, phoneDigits, secondsToMs } from './util.js';

describe('normalisation helpers', () => {
  it('converts Cloud API seconds to ms', () => {
    assert.equal(secondsToMs('1739321024'), 1_739_321_024_000);
    assert.equal(secondsToMs(1739321024), 1_739_321_024_000);
    for (const bad of ['', 'soon', null, undefined, 0, -5, {}, '1e3', 1e306]) assert.equal(secondsToMs(bad), undefined, String(bad));
  });

  it('detects seconds vs milliseconds and reads protobuf Longs and ISO dates', () => {
    assert.equal(flexibleToMs(1739400000), 1_739_400_000_000);
    assert.equal(flexibleToMs(1739400000123), 1_739_400_000_123);
    assert.equal(flexibleToMs('1739400000'), 1_739_400_000_000);
    assert.equal(flexibleToMs({ low: 1739400000, high: 0 }), 1_739_400_000_000);
    assert.equal(flexibleToMs({ low: -1, high: 0 }), 4_294_967_295_000, 'low is unsigned');
    assert.equal(flexibleToMs('2025-02-12T22:49:58.000Z'), Date.UTC(2025, 1, 12, 22, 49, 58));
    assert.equal(flexibleToMs('not a date'), undefined);
    assert.equal(flexibleToMs(Number.POSITIVE_INFINITY), undefined);
  });

  it('extracts phone digits only from phone JIDs and plain numbers', () => {
    assert.equal(phoneDigits('15550100001'), '15550100001');
    assert.equal(phoneDigits('+1 (555) 010-0001'), '15550100001');
    assert.equal(phoneDigits('15550100001@s.whatsapp.net'), '15550100001');
    assert.equal(phoneDigits('15550100001:12@s.whatsapp.net'), '15550100001');
    assert.equal(phoneDigits('15550100001@c.us'), '15550100001');
    assert.equal(phoneDigits('208166217695321@lid'), undefined);
    assert.equal(phoneDigits('120363040123456789@g.us'), undefined);
    assert.equal(phoneDigits('120363299999999999@newsletter'), undefined);
    assert.equal(phoneDigits(''), undefined);
    assert.equal(phoneDigits(15550100001), undefined);
  });

  it('camelises keys deeply without touching values', () => {
    assert.deepEqual(camelize({ error_data: { details: 'a_b' }, items: [{ item_price: 1 }] }), {
      errorData: { details: 'a_b' },
      items: [{ itemPrice: 1 }],
    });
  });
});
