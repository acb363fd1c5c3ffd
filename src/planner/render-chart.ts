/**
 * Monthly cost against monthly volume, both on log axes, as a self-contained
 * SVG (no fonts, scripts or links) and as a standalone HTML page. Output is a
 * pure function of the report: the same report gives the same string.
 */
import { escapeXml, shortCount } from './format.js';
import { CHART_RANGE } from './plan.js';
import { renderTable } from './render-table.js';
import type { CostReport } from './types.js';

const COLORS = { lambda: '#d9480f', dedicated: '#1864ab', band: '#a5d8ff', grid: '#dee2e6', text: '#212529', marker: '#2b8a3e', markerBand: '#b2f2bb', volumeBand: '#e9ecef' };
const f = (n: number): string => n.toFixed(1);
/** A white outline keeps labels readable where they cross lines. */
const HALO = 'stroke="#ffffff" stroke-width="3" paint-order="stroke"';

function dollars(x: number): string {
  return x >= 1 ? `$${shortCount(x)}` : `$${Number(x.toPrecision(1))}`;
}

/** Cost of a series at a volume, interpolated on the log-log chart. */
function costAt(volumes: number[], costs: number[], volume: number): number {
  for (let i = 0; i + 1 < volumes.length; i++) {
    const v0 = volumes[i] ?? 1;
    const v1 = volumes[i + 1] ?? 1;
    if (volume >= v0 && volume <= v1) {
      const t = Math.log(volume / v0) / Math.log(v1 / v0);
      const c0 = Math.max(costs[i] ?? 0, 1e-6);
      const c1 = Math.max(costs[i + 1] ?? 0, 1e-6);
      return c0 * (c1 / c0) ** t;
    }
  }
  return costs[costs.length - 1] ?? 0;
}

/**
 * Renders the cost-vs-volume chart: Lambda as a line, dedicated as a step
 * line, the break-even point and this month's volume marked, and the 95%
 * ranges from the measured inputs as shaded bands (dedicated cost, the
 * break-even, this month's volume).
 * @example
 * writeFileSync('cost.svg', renderChartSvg(report, { width: 900 }));
 */
export function renderChartSvg(report: CostReport, opts: { width?: number; height?: number } = {}): string {
  const width = Math.max(320, Math.round(opts.width ?? 800));
  const height = Math.max(240, Math.round(opts.height ?? 480));
  const m = { left: 76, right: 24, top: 64, bottom: 56 };
  const plotW = width - m.left - m.right;
  const plotH = height - m.top - m.bottom;
  const { volumes, lambda, dedicated } = report.series;
  const positive = [...lambda, ...dedicated].filter((c) => c > 0);
  const yLo = Math.floor(Math.log10(Math.max(0.01, Math.min(...positive, 1e12))));
  const yHi = Math.max(yLo + 1, Math.ceil(Math.log10(Math.max(...positive, 0.1))));
  const xLo = Math.log10(CHART_RANGE.low);
  const xHi = Math.log10(CHART_RANGE.high);
  const x = (v: number): number => m.left + ((Math.log10(v) - xLo) / (xHi - xLo)) * plotW;
  const y = (c: number): number => m.top + plotH - ((Math.log10(Math.max(c, 10 ** yLo)) - yLo) / (yHi - yLo)) * plotH;
  const out: string[] = [
    `<svg xmlns="http://www.w3.org/2000/svg" width="${width}" height="${height}" viewBox="0 0 ${width} ${height}" font-family="sans-serif" font-size="12" fill="${COLORS.text}">`,
    '<title>Monthly cost: AWS Lambda vs dedicated servers</title>',
    `<rect width="${width}" height="${height}" fill="#ffffff"/>`,
    `<text x="${m.left}" y="22" font-size="15" font-weight="bold">Monthly cost: AWS Lambda vs dedicated servers</text>`,
  ];
  for (let e = xLo; e <= xHi; e++) {
    const px = f(x(10 ** e));
    out.push(`<line x1="${px}" y1="${m.top}" x2="${px}" y2="${m.top + plotH}" stroke="${COLORS.grid}"/>`);
    out.push(`<text x="${px}" y="${m.top + plotH + 16}" text-anchor="middle">${shortCount(10 ** e)}</text>`);
  }
  for (let e = yLo; e <= yHi; e++) {
    const py = f(y(10 ** e));
    out.push(`<line x1="${m.left}" y1="${py}" x2="${m.left + plotW}" y2="${py}" stroke="${COLORS.grid}"/>`);
    out.push(`<text x="${m.left - 6}" y="${py}" text-anchor="end" dominant-baseline="middle">${dollars(10 ** e)}</text>`);
  }
  out.push(`<rect x="${m.left}" y="${m.top}" width="${plotW}" height="${plotH}" fill="none" stroke="${COLORS.text}"/>`);
  out.push(`<text x="${f(m.left + plotW / 2)}" y="${height - 12}" text-anchor="middle">Messages per month (log scale)</text>`);
  out.push(`<text transform="translate(16 ${f(m.top + plotH / 2)}) rotate(-90)" text-anchor="middle">Monthly cost, USD (log scale)</text>`);

  // Bands first, so the lines stay on top: each is a 95% range from the measured inputs.
  const u = report.uncertainty;
  const clampX = (v: number): number => x(Math.min(CHART_RANGE.high, Math.max(CHART_RANGE.low, v)));
  const span = (id: string, r: [number, number], color: string): void => {
    const x0 = clampX(r[0]);
    const x1 = clampX(r[1]);
    if (x1 - x0 >= 0.5) out.push(`<rect id="${id}" x="${f(x0)}" y="${m.top}" width="${f(x1 - x0)}" height="${plotH}" fill="${color}" fill-opacity="0.5"/>`);
  };
  if (u !== null) {
    span('volume-band', u.volume, COLORS.volumeBand);
    span('break-even-band', u.breakEven, COLORS.markerBand);
  }
  const { dedicatedLow, dedicatedHigh } = report.series;
  if (dedicatedLow !== undefined && dedicatedHigh !== undefined) {
    const upper = volumes.map((v, i) => `${i === 0 ? 'M' : 'L'}${f(x(v))} ${f(y(dedicatedHigh[i] ?? 0))}`).join(' ');
    const lower = volumes.map((v, i) => `L${f(x(v))} ${f(y(dedicatedLow[i] ?? 0))}`).reverse().join(' ');
    out.push(`<path data-series="dedicated-band" d="${upper} ${lower} Z" fill="${COLORS.band}" fill-opacity="0.6" stroke="none"/>`);
  }

  const linePath = volumes.map((v, i) => `${i === 0 ? 'M' : 'L'}${f(x(v))} ${f(y(lambda[i] ?? 0))}`).join(' ');
  // Dedicated holds its cost until the next sample, then steps: a step function.
  const stepPath = volumes.map((v, i) => (i === 0 ? `M${f(x(v))} ${f(y(dedicated[0] ?? 0))}` : `H${f(x(v))} V${f(y(dedicated[i] ?? 0))}`)).join(' ');
  out.push(`<path data-series="lambda" d="${linePath}" fill="none" stroke="${COLORS.lambda}" stroke-width="2"/>`);
  out.push(`<path data-series="dedicated" d="${stepPath}" fill="none" stroke="${COLORS.dedicated}" stroke-width="2"/>`);

  const inRange = (v: number): boolean => v >= CHART_RANGE.low && v <= CHART_RANGE.high;
  const be = report.breakEvenVolume;
  if (be !== null && inRange(be)) {
    const bx = f(x(be));
    const by = f(y(costAt(volumes, lambda, be)));
    out.push(`<g id="break-even"><line x1="${bx}" y1="${m.top}" x2="${bx}" y2="${m.top + plotH}" stroke="${COLORS.marker}" stroke-dasharray="2 3"/>`
      + `<circle cx="${bx}" cy="${by}" r="5" fill="${COLORS.marker}"/>`
      + `<text x="${bx}" y="${f(Number(by) - 10)}" text-anchor="middle" fill="${COLORS.marker}" ${HALO}>break-even ${shortCount(be)}</text></g>`);
  } else {
    const where = be === null ? 'none between 100k and 10B' : `${shortCount(be)}, off the chart`;
    out.push(`<text id="break-even-note" x="${m.left + 8}" y="${m.top + plotH - 8}" fill="${COLORS.marker}">Break-even: ${escapeXml(where)}</text>`);
  }
  const volume = report.inputs.volume.value;
  const cx = f(x(Math.min(CHART_RANGE.high, Math.max(CHART_RANGE.low, volume))));
  const offChart = inRange(volume) ? '' : ' (off the chart)';
  // Keep the label inside the picture when the line is near either edge.
  const share = (Number(cx) - m.left) / plotW;
  const anchor = share > 0.8 ? 'end' : share < 0.2 ? 'start' : 'middle';
  out.push(`<g id="current-volume"><line x1="${cx}" y1="${m.top}" x2="${cx}" y2="${m.top + plotH}" stroke="${COLORS.text}" stroke-dasharray="6 4"/>`
    + `<text x="${cx}" y="${m.top - 6}" text-anchor="${anchor}" ${HALO}>this month: ${shortCount(volume)}${offChart}</text></g>`);

  const d = report.dedicated;
  const legend: [string, string][] = [
    [COLORS.lambda, `Lambda (${report.inputs.arch.value}, ${report.inputs.memoryMb.value} MB, ${report.inputs.frontDoor.value})`],
    [COLORS.dedicated, `Dedicated (N+1 x cheapest offer, now ${d.instances} x ${d.offer.name})`],
    ...(report.series.dedicatedLow === undefined ? [] : [[COLORS.band, 'Dedicated, 95% range from the measured CPU'] as [string, string]]),
  ];
  if (report.recommendation.tooClose) {
    out.push(`<text id="too-close" x="${m.left + plotW - 8}" y="${m.top + 18}" text-anchor="end" font-weight="bold" fill="${COLORS.text}" ${HALO}>Too close to call at this volume</text>`);
  }
  // Top left: the high-cost, low-volume corner the curves do not reach.
  const lx = m.left + 16;
  const lw = Math.ceil(Math.max(...legend.map(([, label]) => label.length)) * 6.2) + 44;
  out.push(`<g id="legend"><rect x="${lx - 8}" y="${m.top + 8}" width="${lw}" height="${8 + legend.length * 18}" fill="#ffffff" stroke="${COLORS.grid}"/>`);
  legend.forEach(([color, label], i) => {
    const ly = m.top + 24 + i * 18;
    const width = color === COLORS.band ? 8 : 2;
    out.push(`<line x1="${lx}" y1="${ly}" x2="${lx + 20}" y2="${ly}" stroke="${color}" stroke-width="${width}"/><text x="${lx + 26}" y="${ly + 4}" font-size="11">${escapeXml(label)}</text>`);
  });
  out.push('</g>', '</svg>');
  return `${out.join('\n')}\n`;
}

/**
 * A standalone HTML page with the chart and the table; no external assets.
 * @example
 * writeFileSync('cost.html', renderChartHtml(report));
 */
export function renderChartHtml(report: CostReport): string {
  return [
    '<!doctype html>',
    '<html lang="en">',
    '<head>',
    '<meta charset="utf-8">',
    '<meta name="viewport" content="width=device-width, initial-scale=1">',
    '<title>wahook cost: Lambda vs dedicated</title>',
    '<style>body{font-family:sans-serif;margin:2rem;color:#212529}svg{max-width:100%;height:auto}pre{background:#f8f9fa;padding:1rem;overflow:auto}</style>',
    '</head>',
    '<body>',
    '<h1>Lambda vs dedicated: monthly cost</h1>',
    renderChartSvg(report).trimEnd(),
    '<h2>Figures</h2>',
    `<pre>${escapeXml(renderTable(report))}</pre>`,
    `<p>Prices as of ${escapeXml(report.pricesAsOf)}; every price cites its public source in the price list.</p>`,
    '</body>',
    '</html>',
    '',
  ].join('\n');
}
