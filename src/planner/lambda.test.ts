/**
 * Lambda worked examples, each computed by hand from prices/prices.json
 * (us-east-1): requests $0.20/M; x86_64 $0.0000166667/GB-s to 6B GB-s,
 * $0.000015 to 15B, then $0.0000133334; arm64 $0.0000133334 to 7.5B,
 * $0.0000120001 to 18.75B; free tier 1M requests + 400,000 GB-s.
 */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { book, cents, profileOf } from './fixtures.js';
import { lambdaCost } from './lambda.js';

// 10M invocations x 200 ms x 512 MB = 1,000,000 GB-s.
const BASE = ['--volume', '10000000', '--duration-ms', '200', '--memory-mb', '512', '--front-door', 'none'];
const cost = (...extra: string[]) => lambdaCost(profileOf([...BASE, ...extra]), book);

describe('lambda requests and duration', () => {
  it('10M x 200 ms x 512 MB on x86_64, no free tier: $2.00 requests + $16.67 compute', () => {
    const b = cost().breakdown;
    assert.equal(cents(b.requests), 2.0); // 10 x $0.20
    assert.equal(cents(b.compute), 16.67); // 1,000,000 x 0.0000166667
    assert.equal(b.frontDoor, 0);
  });

  it('with the free tier: (10M - 1M) requests = $1.80, (1,000,000 - 400,000) GB-s = $10.00', () => {
    const b = cost('--free-tier', 'on').breakdown;
    assert.equal(cents(b.requests), 1.8);
    assert.equal(cents(b.compute), 10.0);
  });

  it('arm64: 1,000,000 GB-s x 0.0000133334 = $13.33', () => {
    assert.equal(cents(cost('--arch', 'arm64').breakdown.compute), 13.33);
  });

  it('rounds each invocation up to the ms: 200.2 ms bills as 201 ms', () => {
    // 10M x 0.201 s x 0.5 GB = 1,005,000 GB-s x 0.0000166667 = $16.75
    assert.equal(cents(cost('--duration-ms', '200.2').breakdown.compute), 16.75);
    assert.equal(cents(cost('--duration-ms', '200').breakdown.compute), 16.67);
  });

  it('crosses the x86_64 tiers: 20B GB-s', () => {
    // 2e10 invocations x 1 s x 1 GB: 6e9 x 0.0000166667 + 9e9 x 0.000015 + 5e9 x 0.0000133334
    //  = 100,000.20 + 135,000.00 + 66,667.00 = $301,667.20
    const l = lambdaCost(profileOf(['--volume', '2e10', '--duration-ms', '1000', '--memory-mb', '1024', '--cold-start-rate', '0']), book);
    assert.equal(cents(l.breakdown.compute), 301667.2);
  });

  it('crosses the arm64 tiers at 7.5B GB-s', () => {
    // 1e10 GB-s: 7.5e9 x 0.0000133334 + 2.5e9 x 0.0000120001 = 100,000.50 + 30,000.25 = $130,000.75
    const l = lambdaCost(profileOf(['--volume', '1e10', '--duration-ms', '1000', '--memory-mb', '1024', '--arch', 'arm64', '--cold-start-rate', '0']), book);
    assert.equal(cents(l.breakdown.compute), 130000.75);
  });
});

describe('lambda INIT billing', () => {
  it('1% cold starts x 300 ms x 512 MB on 10M invocations = $0.25, kept apart from compute', () => {
    // 10M x 0.01 x 0.3 s x 0.5 GB = 15,000 GB-s x 0.0000166667
    const b = cost('--cold-start-rate', '0.01', '--init-ms', '300').breakdown;
    assert.equal(cents(b.init), 0.25);
    assert.equal(cents(b.compute), 16.67);
  });

  it('default INIT is 1% x 150 ms: 7,500 GB-s = $0.13', () => {
    assert.equal(cents(cost().breakdown.init), 0.13);
  });

  it('no cold starts, no INIT charge', () => {
    assert.equal(cost('--cold-start-rate', '0').breakdown.init, 0);
  });
});

describe('lambda front doors', () => {
  it('function URL adds nothing', () => {
    assert.equal(cost('--front-door', 'function-url').breakdown.frontDoor, 0);
  });

  it('HTTP API adds 10M x $1.00/M = $10.00', () => {
    assert.equal(cents(cost('--front-door', 'http-api').breakdown.frontDoor), 10.0);
  });

  it('REST API adds 10M x $3.50/M = $35.00', () => {
    assert.equal(cents(cost('--front-door', 'rest-api').breakdown.frontDoor), 35.0);
  });

  it('REST API tiers: 400M = 333M x $3.50 + 67M x $2.80 = $1,353.10', () => {
    const l = lambdaCost(profileOf(['--volume', '400000000', '--front-door', 'rest-api']), book);
    assert.equal(cents(l.breakdown.frontDoor), 1353.1);
  });

  it('ALB: 730 h x $0.0225 + 2 IPv4 x $3.65 + 111.1 LCU-h x $0.008 = $24.61', () => {
    // 10M deliveries / (730 x 3600 s) / 25 new connections per LCU x 730 h = 111.11 LCU-hours
    assert.equal(cents(cost('--front-door', 'alb').breakdown.frontDoor), 24.61);
  });
});

describe('lambda SQS and logs', () => {
  it('SQS: 10M x 1.2 requests - 1M free = 11M x $0.40/M = $4.40', () => {
    assert.equal(cents(cost().breakdown.sqs), 4.4);
  });

  it('SQS counts 64 KB chunks: a 100 KB payload is 2 requests per send', () => {
    // 10M x 1.2 x 2 - 1M = 23M x $0.40/M = $9.20
    assert.equal(cents(cost('--payload-bytes', '102400').breakdown.sqs), 9.2);
  });

  it('logs: 10M x 2,560 bytes = 23.84 GB x $0.50 = $11.92', () => {
    assert.equal(cents(cost('--log-bytes', '2560').breakdown.logs), 11.92);
  });
});

describe('lambda provisioned concurrency', () => {
  it('one 512 MB environment for a month: 0.5 GB x 2,628,000 s x $0.0000041667 = $5.48', () => {
    const l = lambdaCost(profileOf(['--volume', '1', '--provisioned-concurrency', '1', '--memory-mb', '512']), book);
    assert.equal(cents(l.breakdown.provisioned), 5.48);
  });

  it('serves traffic first at the PC duration rate, with no free tier', () => {
    // 1,000,000 GB-s fit in one environment's 1,314,000 GB-s: $5.475 + 1,000,000 x $0.0000097222 = $15.20
    const l = lambdaCost(profileOf([...BASE, '--provisioned-concurrency', '1', '--free-tier', 'on']), book);
    assert.equal(cents(l.breakdown.provisioned), 15.2);
    assert.equal(l.breakdown.compute, 0);
    assert.equal(l.breakdown.init, 0);
    assert.equal(cents(l.breakdown.requests), 2.0);
    assert.match(l.notes.join(' '), /free tier does not apply/);
  });
});

describe('lambda concurrency', () => {
  it('needs peak x duration environments: 5,000 rps x 0.2 s = 1,000, 10 s to scale', () => {
    const c = cost('--peak-rps', '5000').concurrency;
    assert.deepEqual(c, { needed: 1000, accountLimit: 1000, withinLimit: true, secondsToScale: 10 });
  });

  it('flags a peak over the account limit', () => {
    const c = cost('--peak-rps', '5001').concurrency;
    assert.equal(c.needed, 1001);
    assert.equal(c.withinLimit, false);
    assert.equal(cost('--peak-rps', '5001', '--account-concurrency', '3000').concurrency.withinLimit, true);
  });

  it('totals the breakdown', () => {
    const l = cost('--front-door', 'http-api');
    const sum = Object.values(l.breakdown).reduce((a, b) => a + b, 0);
    assert.equal(l.monthlyUsd, sum);
  });
});
