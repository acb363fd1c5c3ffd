/**
 * The side-by-side report: break-even consistency, cost per million, shared
 * costs kept out of both totals, and the recommendation.
 */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { book, profileOf } from './fixtures.js';
import { plan } from './plan.js';
import { withVolume } from './profile.js';

const profile = profileOf(['--volume', '10000000', '--peak-rps', '50', '--duration-ms', '200', '--memory-mb', '512']);
const report = plan(profile, book);

describe('plan', () => {
  it('finds a break-even where both monthly totals agree within 1%', () => {
    const be = report.breakEvenVolume;
    assert.ok(be !== null && be > 1e5 && be < 1e10);
    const at = plan(withVolume(profile, be), book);
    const gap = Math.abs(at.lambda.monthlyUsd - at.dedicated.monthlyUsd);
    assert.ok(gap / at.dedicated.monthlyUsd < 0.01, `lambda ${at.lambda.monthlyUsd} vs dedicated ${at.dedicated.monthlyUsd}`);
    const below = plan(withVolume(profile, be * 0.8), book);
    const above = plan(withVolume(profile, be * 1.25), book);
    assert.ok(below.lambda.monthlyUsd < below.dedicated.monthlyUsd);
    assert.ok(above.lambda.monthlyUsd > above.dedicated.monthlyUsd);
  });

  it('reports null when one option is cheaper over the whole range', () => {
    // 10 s at 10 GB: $1.67 per thousand invocations, dearer than servers from the first 100k.
    const heavy = plan(profileOf(['--volume', '10000000', '--duration-ms', '10000', '--memory-mb', '10240']), book);
    assert.equal(heavy.breakEvenVolume, null);
    assert.equal(heavy.recommendation.choice, 'dedicated');
  });

  it('gives cost per million messages', () => {
    assert.equal(report.costPerMillion.lambda, Math.round((report.lambda.monthlyUsd / 10) * 100) / 100);
    assert.equal(report.costPerMillion.dedicated, Math.round((report.dedicated.monthlyUsd / 10) * 100) / 100);
  });

  it('lists shared costs once, in neither total', () => {
    assert.ok(report.shared.monthlyUsd > 0);
    const lambdaParts = Object.values(report.lambda.breakdown).reduce((a, b) => a + b, 0);
    assert.ok(Math.abs(report.lambda.monthlyUsd - lambdaParts) < 0.05);
    const d = report.dedicated.breakdown;
    assert.ok(Math.abs(report.dedicated.monthlyUsd - (d.instances + d.ipv4 + d.disks + d.loadBalancer)) < 0.05);
    // db.t4g.micro $0.016 x 730 + 20 GB x $0.115 = $11.68 + $2.30
    assert.equal(report.shared.monthlyUsd, 13.98);
  });

  it('recommends the cheaper option and says why', () => {
    assert.equal(report.recommendation.choice, 'lambda');
    assert.match(report.recommendation.reasons.join('\n'), /Break-even at about/);
    const big = plan(withVolume(profile, 200_000_000), book);
    assert.equal(big.recommendation.choice, 'dedicated');
  });

  it('warns when a campaign peak exceeds the Lambda account limit', () => {
    const r = plan(profileOf(['--volume', '30000000', '--profile', 'campaign']), book);
    assert.equal(r.lambda.concurrency.withinLimit, false);
    assert.match(r.recommendation.reasons.join('\n'), /above the account limit/);
  });

  it('records where each input came from and the prices date', () => {
    assert.equal(report.inputs.volume.source, 'flag');
    assert.equal(report.inputs.arch.source, 'default');
    assert.equal(report.pricesAsOf, book.asOf);
  });

  it('samples the chart range 1e5..1e9', () => {
    const { volumes, lambda, dedicated } = report.series;
    assert.equal(volumes[0], 1e5);
    assert.equal(volumes[volumes.length - 1], 1e9);
    assert.equal(lambda.length, volumes.length);
    assert.equal(dedicated.length, volumes.length);
  });
});
