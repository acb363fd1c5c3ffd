/**
 * The price list is data: the shipped one validates, every record cites a
 * public source, and shape errors name the key.
 */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { book, defaultPricesJson, plannerError } from './fixtures.js';
import { loadPrices, tieredCost } from './prices.js';

type Json = Record<string, any>; // edited freely by the cases below

function edited(edit: (j: Json) => void): Json {
  const j = defaultPricesJson() as Json;
  edit(j);
  return j;
}

function records(v: unknown, key: string, out: [string, Json][] = []): [string, Json][] {
  if (Array.isArray(v)) v.forEach((x, i) => records(x, `${key}[${i}]`, out));
  else if (typeof v === 'object' && v !== null) {
    const o = v as Json;
    if ('value' in o && 'unit' in o) out.push([key, o]);
    for (const [k, x] of Object.entries(o)) records(x, `${key}.${k}`, out);
  }
  return out;
}

describe('prices.json', () => {
  it('loads the shipped price list', () => {
    assert.equal(book.lambda.requests.value, 0.2);
    assert.equal(book.lambda.duration.arm64[0]?.upTo, 7.5e9);
    assert.ok(book.offers.length >= 10);
  });

  it('gives every price a public source and a date', () => {
    const all = records(defaultPricesJson(), '(root)');
    assert.ok(all.length > 40);
    for (const [key, r] of all) {
      assert.equal(typeof r.source, 'string', key);
      assert.equal(typeof r.asOf, 'string', key);
      assert.doesNotMatch(r.source as string, /^(\/|~|\.|file:|[A-Za-z]:[\\/])/, key);
    }
  });

  const cases: [string, (j: Json) => void, string][] = [
    ['missing source', (j) => delete j.lambda.requests.source, 'lambda.requests.source'],
    ['non-numeric value', (j) => { j.offers[2].price.value = 'cheap'; }, 'offers[2].price.value'],
    ['negative value', (j) => { j.sqs.tiers[0].value = -1; }, 'sqs.tiers[0].value'],
    ['tiers out of order', (j) => { j.lambda.duration.x86_64[1].upTo = 1; }, 'lambda.duration.x86_64[1].upTo'],
    ['last tier bounded', (j) => { j.frontDoor.restApi[3].upTo = 1e12; }, 'frontDoor.restApi[3].upTo'],
    ['local path as source', (j) => { j.alb.hourly.source = '/home/me/notes.md'; }, 'alb.hourly.source'],
    ['unknown price unit', (j) => { j.offers[0].price.unit = 'USD per fortnight'; }, 'offers[0].price.unit'],
    ['unknown IPv4 key', (j) => { j.offers[0].ipv4 = 'ovh'; }, 'offers[0].ipv4'],
    ['bad arch', (j) => { j.offers[1].arch = 'mips'; }, 'offers[1].arch'],
    ['missing section', (j) => delete j.logs, 'logs'],
    ['missing AWS IPv4', (j) => delete j.publicIpv4.aws, 'publicIpv4.aws'],
    ['missing arch', (j) => delete j.lambda.provisioned.arm64, 'lambda.provisioned.arm64'],
  ];
  for (const [name, edit, key] of cases) {
    it(`rejects ${name}, naming "${key}"`, () => {
      assert.ok(plannerError(() => loadPrices(edited(edit))).message.includes(`"${key}`));
    });
  }

  it('rejects a non-object', () => {
    assert.match(plannerError(() => loadPrices([])).message, /root/);
  });
});

describe('tieredCost', () => {
  it('charges each band at its own rate', () => {
    // HTTP API: 300M x $1.00/M + 100M x $0.90/M = $390
    assert.equal(tieredCost(400e6, book.frontDoor.httpApi, 1e6), 390);
    assert.equal(tieredCost(0, book.frontDoor.httpApi, 1e6), 0);
  });
});
