/**
 * Browser code that polls the admin API and feeds the charts and panels.
 * Requests run one round at a time (the next starts 2 s after the last one
 * finished), so a slow gateway is never buried under overlapping polls.
 */
export const APP_JS = String.raw`
var REFRESH_MS = 2000;
// The cost report is priced from per-minute rollups, so it cannot change faster than that.
var COST_EVERY = 15;

// A browser cannot attach an Authorization header to the navigation that
// opens the page, so the token may arrive as ?token= on /dashboard. The
// gateway answered that with an HttpOnly session cookie, which carries the
// API calls below; the token itself is taken out of the address bar so it
// stays out of the browser's history and of anything the URL is shown to.
if (new URLSearchParams(location.search).has('token')) {
  var clean = new URLSearchParams(location.search);
  clean.delete('token');
  var rest = clean.toString();
  history.replaceState(history.state, '', location.pathname + (rest ? '?' + rest : '') + location.hash);
}
var last = { live: null, rollups: null };
var round = 0;
var costLoaded = false;

function api(path) {
  return fetch('/api/' + path, { headers: { accept: 'application/json' }, cache: 'no-store', credentials: 'same-origin' }).then(function (res) {
    if (!res.ok) { var e = new Error('HTTP ' + res.status); e.status = res.status; throw e; }
    return res.json();
  });
}

function renderLive(s) {
  last.live = s;
  var tp = Array.isArray(s.throughput) ? s.throughput : [];
  var sum = 0, peak = 0;
  tp.forEach(function (v) { sum += v; if (v > peak) peak = v; });
  var avg = tp.length ? sum / tp.length : 0;
  setText('stat-rate', shortNum(avg));
  // serve --processes N: the figures are every receiving process's together; say how many.
  var procs = Array.isArray(s.processes) && s.processes.length > 1 ? ' · ' + s.processes.length + ' processes' : '';
  setText('note-rate', (peak > 0 ? 'average, last 60 s · peak ' + shortNum(peak) : 'average, last 60 s') + procs);
  setText('throughput-peak', peak > 0 ? 'peak ' + shortNum(peak) + '/s' : '');
  // With nothing delivered in the window a 0 ms percentile would be a made-up number.
  var p50 = sum > 0 ? fmtMs(s.p50Ms) : '–', p99 = sum > 0 ? fmtMs(s.p99Ms) : '–';
  setText('stat-p50', p50);
  setText('stat-p99', p99);
  setText('latency-p50', p50);
  setText('latency-p99', p99);
  setText('stat-queue', fmtCount(s.queueDepth));
  setText('stat-oldest', s.queueDepth > 0 ? fmtAge(s.oldestPendingAgeMs) : '–');
  setText('stat-received', fmtCount(s.received));
  setText('stat-stored', fmtCount(s.stored));
  setText('stat-duplicates', fmtCount(s.duplicates));
  setText('stat-events', fmtCount(s.events));
  setText('stat-dead', fmtCount(s.deadLetters));
  $('card-dead').classList.toggle('alert', s.deadLetters > 0);
  drawLines($('throughput-chart'), [{ values: tp, color: COLORS.rate, fill: COLORS.rateFill }], { unit: '/s', xLabels: ['60 s ago', 'now'] });
  var kinds = s.eventsByKind || {};
  drawBars($('kinds-chart'), Object.keys(kinds).map(function (k) { return { label: k, value: Number(kinds[k]) || 0 }; }), {});
}

function renderRollups(list) {
  last.rollups = list;
  // Idle minutes have no latency to show; plotting them as 0 ms would flatter the gateway.
  var busy = (Array.isArray(list) ? list : []).filter(function (r) { return r.deliveries > 0; });
  var labels = busy.length ? [clock(busy[0].minute).slice(0, 5), clock(busy[busy.length - 1].minute).slice(0, 5)] : [];
  drawLines($('latency-chart'), [
    { values: busy.map(function (r) { return r.p50Ms; }), color: COLORS.p50 },
    { values: busy.map(function (r) { return r.p99Ms; }), color: COLORS.p99 },
  ], { unit: ' ms', xLabels: labels });
}

function showStatus(results) {
  var n = $('status');
  var failed = results.filter(function (r) { return r.status === 'rejected'; });
  var denied = failed.some(function (r) { return r.reason && r.reason.status === 401; });
  n.className = 'status ' + (denied ? 'denied' : failed.length === results.length ? 'down' : failed.length ? 'partial' : 'live');
  if (denied) n.textContent = 'Unauthorized: open /dashboard?token=<admin token>';
  else if (failed.length === results.length) n.textContent = 'Gateway unreachable, retrying';
  else if (failed.length) n.textContent = failed.length + ' of ' + results.length + ' panels failed to refresh · ' + clock(Date.now());
  else n.textContent = 'Live · updated ' + clock(Date.now());
}

function refresh() {
  var jobs = [
    api('live').then(renderLive),
    api('rollups?minutes=60').then(renderRollups),
    api('events?limit=50').then(renderEvents),
    api('dlq?limit=50').then(renderDeadLetters),
    api('media?limit=20').then(renderMedia),
  ];
  if (!costLoaded || round % COST_EVERY === 0) {
    jobs.push(api('cost').then(function (c) { renderCost(c); costLoaded = true; }));
  }
  round++;
  return Promise.allSettled(jobs).then(showStatus);
}

function loop() {
  // A hidden tab keeps its last picture instead of polling for nobody.
  var work = document.hidden ? Promise.resolve() : refresh();
  work.then(function () { setTimeout(loop, REFRESH_MS); });
}

var resizeTimer = 0;
window.addEventListener('resize', function () {
  clearTimeout(resizeTimer);
  resizeTimer = setTimeout(function () {
    if (last.live) renderLive(last.live);
    if (last.rollups) renderRollups(last.rollups);
  }, 150);
});

loop();
`;
