/**
 * Browser code for the dashboard's tables and the cost verdict. Event and
 * dead-letter fields come from webhook payloads, i.e. from strangers, so
 * they only ever reach the page through textContent.
 */
export const PANELS_JS = String.raw`
var KINDS = ['message', 'status', 'field', 'session', 'unknown'];

function $(id) { return document.getElementById(id); }
function pad2(n) { return n < 10 ? '0' + n : String(n); }
function clock(t) { var d = new Date(t); return pad2(d.getHours()) + ':' + pad2(d.getMinutes()) + ':' + pad2(d.getSeconds()); }
function stamp(t) {
  if (typeof t !== 'number' || !isFinite(t)) return '–';
  var d = new Date(t);
  return d.getFullYear() + '-' + pad2(d.getMonth() + 1) + '-' + pad2(d.getDate()) + ' ' + clock(t);
}
function fmtMs(v) {
  if (typeof v !== 'number' || !isFinite(v)) return '–';
  if (v < 10) return v.toFixed(v < 1 ? 2 : 1) + ' ms';
  if (v < 1000) return Math.round(v) + ' ms';
  return (v / 1000).toFixed(1) + ' s';
}
function fmtAge(v) {
  if (!(v > 0)) return '–';
  if (v < 1000) return Math.round(v) + ' ms';
  if (v < 60000) return (v / 1000).toFixed(1) + ' s';
  if (v < 3600000) return Math.round(v / 60000) + ' min';
  return (v / 3600000).toFixed(1) + ' h';
}
function fmtCount(n) { return typeof n === 'number' && isFinite(n) ? Math.round(n).toLocaleString('en-US') : '–'; }
function usd(x) {
  if (typeof x !== 'number' || !isFinite(x)) return '–';
  return '$' + (x >= 100 ? Math.round(x).toLocaleString('en-US') : x.toFixed(2));
}
// A fixed-width mask so neither the number nor its length is shown.
function maskContact(c) {
  if (typeof c !== 'string' || c === '') return '–';
  return '••••••' + (c.length > 4 ? c.slice(-4) : '');
}

function setText(id, text) { var n = $(id); if (n) n.textContent = text; }
function el(tag, text, cls) {
  var n = document.createElement(tag);
  if (text !== undefined) n.textContent = text;
  if (cls) n.className = cls;
  return n;
}
function cell(tr, text, cls) {
  var td = el('td', text, cls);
  if (cls === 'key' || cls === 'err') td.title = text;
  tr.appendChild(td);
  return td;
}
function fillTable(id, rows, cols, emptyText) {
  var body = document.querySelector('#' + id + ' tbody');
  if (!rows.length) {
    var tr = el('tr', undefined, 'none');
    cell(tr, emptyText).colSpan = cols;
    rows = [tr];
  }
  body.replaceChildren.apply(body, rows);
}

function renderEvents(list) {
  var rows = (Array.isArray(list) ? list : []).map(function (e) {
    var tr = el('tr');
    var kind = KINDS.indexOf(e.kind) === -1 ? 'unknown' : e.kind;
    cell(tr, stamp(e.timestamp));
    cell(tr, '').appendChild(el('span', String(e.kind), 'tag ' + kind));
    cell(tr, String(e.type || '–'));
    cell(tr, maskContact(e.contact));
    cell(tr, String(e.key || ''), 'key');
    return tr;
  });
  fillTable('events-table', rows, 5, 'No events yet');
}

function renderDeadLetters(list) {
  var rows = (Array.isArray(list) ? list : []).map(function (d) {
    var tr = el('tr');
    cell(tr, String(d.seq), 'num');
    cell(tr, stamp(d.updatedAt));
    cell(tr, String(d.target || ''));
    cell(tr, String(d.attempts), 'num');
    cell(tr, String(d.lastError || ''), 'err');
    cell(tr, String(d.key || ''), 'key');
    return tr;
  });
  setText('dlq-count', rows.length ? rows.length + ' shown, newest first' : 'none');
  fillTable('dlq-table', rows, 6, 'No dead letters');
}

var MEDIA_STATES = ['pending', 'ready', 'failed'];

function renderMedia(m) {
  var on = m && m.enabled === true;
  var counts = (m && m.counts) || {};
  MEDIA_STATES.forEach(function (s) { setText('media-' + s, on ? fmtCount(counts[s]) : '–'); });
  $('media-panel').classList.toggle('alert', on && counts.failed > 0);
  setText('media-note', on ? 'downloads, latest first' : 'off: no media is downloaded (WAHOOK_MEDIA)');
  var rows = (on && Array.isArray(m.items) ? m.items : []).map(function (i) {
    var tr = el('tr');
    var state = MEDIA_STATES.indexOf(i.state) === -1 ? 'unknown' : i.state;
    cell(tr, stamp(i.updatedAt));
    cell(tr, String(i.messageId || ''), 'key');
    cell(tr, '').appendChild(el('span', String(i.state), 'tag media-' + state));
    cell(tr, String(i.mimeType || i.kind || '–'));
    cell(tr, typeof i.bytes === 'number' ? fmtCount(i.bytes) : '–', 'num');
    cell(tr, String(i.attempts), 'num');
    cell(tr, String(i.error || ''), 'err');
    return tr;
  });
  fillTable('media-table', rows, 7, on ? 'No media yet' : 'Media is off');
}

function verdictRow(dl, term, value) { dl.appendChild(el('dt', term)); dl.appendChild(el('dd', value)); }
function isRange(r) { return Array.isArray(r) && r.length === 2 && typeof r[0] === 'number' && typeof r[1] === 'number'; }
function spanText(minutes) {
  if (!(minutes > 0)) return '–';
  if (minutes < 120) return Math.round(minutes) + ' min';
  if (minutes < 2880) return (minutes / 60).toFixed(1) + ' h';
  return (minutes / 1440).toFixed(1) + ' days';
}
// A 95% range after a figure, when the measured inputs give one.
function withRange(text, r, fmt) {
  if (!isRange(r) || fmt(r[0]) === fmt(r[1])) return text;
  return text + ' (95%: ' + fmt(r[0]) + ' to ' + fmt(r[1]) + ')';
}
function cpuText(input) {
  if (!input || typeof input.value !== 'number') return '–';
  return withRange(Number(input.value.toPrecision(3)) + ' ms (' + String(input.source) + ')', input.range, function (x) { return String(Number(x.toPrecision(3))); });
}

function renderCost(c) {
  var holder = $('cost-chart'), img = holder.querySelector('img'), box = $('cost-verdict');
  var r = c && c.report;
  var usable = r && r.series && Array.isArray(r.series.volumes) && r.recommendation && r.lambda && r.dedicated
    && typeof c.svg === 'string' && c.svg.indexOf('<svg') !== -1;
  if (!usable) {
    img.removeAttribute('src');
    markDrawn(holder, 0);
    box.replaceChildren(el('p', 'No cost report yet: it appears once traffic has been measured.', 'fine'));
    return;
  }
  // As an image the SVG runs no script and loads nothing, whatever it contains.
  var src = 'data:image/svg+xml;charset=utf-8,' + encodeURIComponent(c.svg);
  if (img.getAttribute('src') !== src) img.setAttribute('src', src);
  markDrawn(holder, r.series.volumes.length);
  var choice = r.recommendation.choice === 'lambda' ? 'AWS Lambda' : 'Dedicated servers';
  if (r.recommendation.tooClose) choice = 'Too close to call (' + choice + ' at the central figures)';
  var u = r.uncertainty || {};
  var dl = el('dl');
  var d = r.dedicated, offer = d.offer || {};
  verdictRow(dl, 'Lambda', withRange(usd(r.lambda.monthlyUsd) + ' / month', u.lambda, usd));
  verdictRow(dl, 'Dedicated', withRange(usd(d.monthlyUsd) + ' / month' + (offer.name ? ' (' + d.instances + ' × ' + offer.name + ')' : ''), u.dedicated, usd));
  verdictRow(dl, 'Break-even', withRange(r.breakEvenVolume === null ? 'none between 100k and 10B' : shortNum(r.breakEvenVolume) + ' messages / month', u.breakEven, shortNum));
  var p = r.inputs || {}, vol = p.volume, m = p.measurement;
  // Until traffic is measured the report prices an assumed month; say so rather than show a source name.
  var measured = vol && vol.source === 'measured';
  var extrapolated = measured && m && m.extrapolated;
  setText('cost-basis', measured ? (extrapolated ? 'extrapolated from ' + spanText(m.windowMinutes) + ' of traffic' : 'for the measured traffic') : 'for a planned month: no traffic measured yet');
  if (vol) verdictRow(dl, 'This month', withRange(shortNum(vol.value) + ' messages' + (extrapolated ? ' (extrapolated)' : measured ? ' (measured)' : ' (planned)'), vol.range, shortNum));
  if (m) verdictRow(dl, 'Measured', spanText(m.windowMinutes) + ', ' + fmtCount(m.deliveries) + (m.deliveries === 1 ? ' delivery' : ' deliveries'));
  verdictRow(dl, 'CPU / delivery', cpuText(p.cpuMsPerDelivery));
  if (p.idleCpuMsPerMinute) verdictRow(dl, 'Idle CPU', cpuText(p.idleCpuMsPerMinute) + ' a minute per server');
  var why = [];
  if (m && m.cpu) why.push('CPU: ' + (m.cpu.used ? 'measured, ' : 'benchmarked default, ') + String(m.cpu.reason) + '.');
  if (extrapolated) why.push('Under a day of data: the monthly volume is an extrapolation.');
  var reasons = el('ul');
  (r.recommendation.reasons || []).forEach(function (reason) { reasons.appendChild(el('li', String(reason))); });
  box.replaceChildren(el('div', 'Recommendation', 'label'), el('div', choice, 'choice'), dl, reasons,
    el('p', why.join(' '), 'fine'),
    el('p', 'Prices as of ' + String(r.pricesAsOf || 'unknown') + '; each price cites its public source in the price list.', 'fine'));
}
`;
