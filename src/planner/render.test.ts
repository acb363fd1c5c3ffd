/**
 * Table, chart and the whole command: the chart holds both series and both
 * markers and is a pure function of the report; --json, --svg, --html and
 * --prices do what they say.
 */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { book, defaultPricesJson, plannerError, profileOf } from './fixtures.js';
import { runCost } from './index.js';
import { plan } from './plan.js';
import { renderChartHtml, renderChartSvg } from './render-chart.js';
import { renderTable } from './render-table.js';
import type { CostReport } from './types.js';

const ARGV = ['--volume', '10000000', '--peak-rps', '50', '--duration-ms', '200', '--memory-mb', '512'];
const report = plan(profileOf(ARGV), book);

function run(argv: string[], files: Record<string, string> = {}) {
  const out: string[] = [];
  const written: Record<string, string> = {};
  runCost(argv, null, {
    stdout: (s) => out.push(s),
    writeFile: (p, d) => { written[p] = d; },
    readFile: (p) => {
      const text = files[p];
      if (text === undefined) throw new Error('ENOENT');
      return text;
    },
    defaultPrices: defaultPricesJson(),
  });
  return { stdout: out.join(''), written };
}

describe('renderTable', () => {
  it('shows both totals, cost per million, break-even and the recommendation', () => {
    const t = renderTable(report);
    for (const s of ['Monthly total', '$24.71', '$38.56', 'Cost per 1M messages', 'Break-even volume', 'Recommendation', 'Lambda']) {
      assert.ok(t.includes(s), s);
    }
  });
});

describe('renderChartSvg', () => {
  const svg = renderChartSvg(report);

  it('draws both series, the break-even point and this month', () => {
    assert.match(svg, /^<svg xmlns="http:\/\/www\.w3\.org\/2000\/svg"/);
    assert.match(svg, /data-series="lambda"/);
    assert.match(svg, /data-series="dedicated"/);
    assert.match(svg, /<g id="break-even">.*<circle/);
    assert.match(svg, /<g id="current-volume">.*this month: 10M/);
    assert.match(svg, /Messages per month \(log scale\)/);
    assert.match(svg, /Monthly cost, USD/);
    assert.match(svg, /id="legend"/);
    for (const tick of ['>100k<', '>1M<', '>10M<', '>100M<', '>1B<']) assert.ok(svg.includes(tick), tick);
  });

  it('is deterministic and self-contained', () => {
    assert.equal(renderChartSvg(plan(profileOf(ARGV), book)), svg);
    assert.doesNotMatch(svg, /<script|href=|@import|url\(|@font-face/);
  });

  it('draws the dedicated line as steps', () => {
    const d = /data-series="dedicated" d="([^"]+)"/.exec(svg)?.[1] ?? '';
    assert.match(d, /^M[\d.]+ [\d.]+ H[\d.]+ V[\d.]+/);
  });

  it('notes a break-even outside the chart', () => {
    const none: CostReport = { ...report, breakEvenVolume: null };
    const s = renderChartSvg(none, { width: 640, height: 400 });
    assert.match(s, /id="break-even-note"/);
    assert.match(s, /width="640" height="400"/);
  });
});

describe('renderChartHtml', () => {
  it('is a standalone page with the chart and the table', () => {
    const html = renderChartHtml(report);
    assert.match(html, /^<!doctype html>/);
    assert.match(html, /<svg /);
    assert.match(html, /Cost per 1M messages/);
    assert.doesNotMatch(html, /<script|<link|src=/);
  });
});

describe('runCost', () => {
  it('prints the JSON report with --json and writes --svg and --html', () => {
    const r = run([...ARGV, '--json', '--svg', 'cost.svg', '--html', 'cost.html']);
    const json = JSON.parse(r.stdout) as CostReport;
    assert.equal(json.lambda.monthlyUsd, report.lambda.monthlyUsd);
    for (const k of ['requests', 'compute', 'init', 'frontDoor', 'sqs', 'logs', 'provisioned'] as const) {
      assert.equal(typeof json.lambda.breakdown[k], 'number', k);
    }
    assert.deepEqual(Object.keys(json.lambda.concurrency).sort(), ['accountLimit', 'needed', 'secondsToScale', 'withinLimit']);
    assert.equal(json.breakEvenVolume, report.breakEvenVolume);
    assert.equal(r.written['cost.svg'], renderChartSvg(report));
    assert.equal(r.written['cost.html'], renderChartHtml(report));
  });

  it('prints the table by default', () => {
    assert.equal(run(ARGV).stdout, renderTable(report));
  });

  it('replaces the price list with --prices', () => {
    const custom = defaultPricesJson() as { lambda: { requests: { value: number } } };
    custom.lambda.requests.value = 0.4;
    const r = run([...ARGV, '--json', '--prices', 'p.json'], { 'p.json': JSON.stringify(custom) });
    assert.equal((JSON.parse(r.stdout) as CostReport).lambda.breakdown.requests, 4);
  });

  it('names --prices when the file cannot be read or parsed', () => {
    assert.match(plannerError(() => run([...ARGV, '--prices', 'missing.json'])).message, /--prices/);
    assert.match(plannerError(() => run([...ARGV, '--prices', 'p.json'], { 'p.json': '{' })).message, /--prices/);
  });
});
