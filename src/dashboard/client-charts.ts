/**
 * Browser code that draws the dashboard's charts as plain SVG, no chart
 * library. Kept as a string (String.raw so regex backslashes survive) and
 * concatenated with the page script into one same-origin asset. Nodes are
 * built with createElementNS and textContent only, never from markup, so
 * nothing from the API can become HTML.
 */
export const CHARTS_JS = String.raw`
// An XML namespace name: it identifies SVG elements and is never fetched.
var SVG_NS = 'http://www.w3.org/2000/svg';
var COLORS = { rate: '#1c7ed6', rateFill: '#d0ebff', p50: '#2f9e44', p99: '#e8590c', kind: '#7048e8' };

function svgNode(name, attrs, text) {
  var n = document.createElementNS(SVG_NS, name);
  for (var k in attrs) n.setAttribute(k, String(attrs[k]));
  if (text !== undefined) n.textContent = text;
  return n;
}

function niceCeil(v) {
  if (!(v > 0)) return 1;
  var p = Math.pow(10, Math.floor(Math.log10(v)));
  var m = v / p;
  return (m <= 1 ? 1 : m <= 2 ? 2 : m <= 2.5 ? 2.5 : m <= 5 ? 5 : 10) * p;
}

function shortNum(n) {
  if (typeof n !== 'number' || !isFinite(n)) return '–';
  var a = Math.abs(n);
  var units = [[1e9, 'B'], [1e6, 'M'], [1e3, 'k']];
  for (var i = 0; i < units.length; i++) {
    if (a >= units[i][0]) return Number((n / units[i][0]).toPrecision(3)) + units[i][1];
  }
  if (a >= 100 || a === 0) return String(Math.round(n));
  return String(Number(n.toPrecision(3)));
}

/** Replaces the holder's SVG with an empty one sized to the holder's current width. */
function frame(holder, height) {
  var old = holder.querySelector('svg');
  if (old) old.remove();
  var w = Math.max(240, Math.floor(holder.clientWidth || 600));
  var svg = svgNode('svg', { width: w, height: height, viewBox: '0 0 ' + w + ' ' + height });
  holder.insertBefore(svg, holder.firstChild);
  return { svg: svg, w: w, h: height };
}

function markDrawn(holder, points) {
  holder.setAttribute('data-points', String(points));
  holder.classList.toggle('empty', points === 0);
}

/**
 * Line (optionally area) chart of equally spaced samples.
 * series: [{ values: number[], color, fill? }]; opts: { height, unit, xLabels: [left, right] }.
 * An all-zero window draws nothing: a flat line at zero reads as data, "no traffic yet" is the truth.
 */
function drawLines(holder, series, opts) {
  var n = 0, max = 0;
  series.forEach(function (s) {
    n = Math.max(n, s.values.length);
    s.values.forEach(function (v) { if (v > max) max = v; });
  });
  var g = frame(holder, opts.height || 190);
  if (!(max > 0)) return markDrawn(holder, 0);
  var top = niceCeil(max);
  var m = { l: 52, r: 14, t: 10, b: 24 };
  var pw = g.w - m.l - m.r, ph = g.h - m.t - m.b;
  var x = function (i) { return m.l + (n === 1 ? pw / 2 : (i / (n - 1)) * pw); };
  var y = function (v) { return m.t + ph - (Math.max(0, Math.min(v, top)) / top) * ph; };
  for (var k = 0; k <= 4; k++) {
    var v = (top * k) / 4, py = y(v).toFixed(1);
    g.svg.appendChild(svgNode('line', { x1: m.l, y1: py, x2: m.l + pw, y2: py, 'class': 'grid-line' }));
    g.svg.appendChild(svgNode('text', { x: m.l - 6, y: py, 'text-anchor': 'end', 'dominant-baseline': 'middle', 'class': 'axis' }, shortNum(v) + (opts.unit || '')));
  }
  var labels = opts.xLabels || [];
  if (labels[0]) g.svg.appendChild(svgNode('text', { x: m.l, y: g.h - 6, 'class': 'axis' }, labels[0]));
  if (labels[1]) g.svg.appendChild(svgNode('text', { x: m.l + pw, y: g.h - 6, 'text-anchor': 'end', 'class': 'axis' }, labels[1]));
  series.forEach(function (s) {
    if (!s.values.length) return;
    var pts = s.values.map(function (val, i) { return x(i).toFixed(1) + ' ' + y(val).toFixed(1); });
    var base = y(0).toFixed(1);
    if (s.fill) {
      var area = 'M' + x(0).toFixed(1) + ' ' + base + ' L' + pts.join(' L') + ' L' + x(s.values.length - 1).toFixed(1) + ' ' + base + ' Z';
      g.svg.appendChild(svgNode('path', { d: area, fill: s.fill, stroke: 'none' }));
    }
    g.svg.appendChild(svgNode('path', { d: 'M' + pts.join(' L'), fill: 'none', stroke: s.color, 'stroke-width': 2.5, 'stroke-linejoin': 'round', 'stroke-linecap': 'round' }));
    if (s.values.length === 1) g.svg.appendChild(svgNode('circle', { cx: x(0), cy: y(s.values[0]), r: 4, fill: s.color }));
  });
  markDrawn(holder, n);
}

/** Horizontal bars, largest first. rows: [{ label, value }]. */
function drawBars(holder, rows, opts) {
  rows = rows.filter(function (r) { return r.value > 0; }).sort(function (a, b) { return b.value - a.value; });
  var rowH = 30;
  var g = frame(holder, Math.max(opts.height || 190, rows.length * rowH + 12));
  if (!rows.length) return markDrawn(holder, 0);
  var max = rows[0].value, labelW = 92, valueW = 64;
  var pw = Math.max(20, g.w - labelW - valueW);
  rows.forEach(function (r, i) {
    var top = 6 + i * rowH, mid = (top + rowH / 2).toFixed(1);
    var bw = Math.max(3, (r.value / max) * pw);
    g.svg.appendChild(svgNode('text', { x: labelW - 10, y: mid, 'text-anchor': 'end', 'dominant-baseline': 'middle' }, r.label));
    g.svg.appendChild(svgNode('rect', { x: labelW, y: top + 6, width: bw.toFixed(1), height: rowH - 12, rx: 3, fill: COLORS.kind }));
    g.svg.appendChild(svgNode('text', { x: (labelW + bw + 8).toFixed(1), y: mid, 'dominant-baseline': 'middle', 'class': 'axis' }, shortNum(r.value)));
  });
  markDrawn(holder, rows.length);
}
`;
