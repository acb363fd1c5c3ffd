/**
 * The dashboard page: static markup only. Script and stylesheet are separate
 * same-origin assets (the CSP forbids inline code), and every figure is
 * filled in by the script from the admin API. Each chart holder carries an
 * id and a `data-points` count so tests and scrapers can tell drawn from empty.
 */

function stat(id: string, label: string, note = ''): string {
  return `<div class="stat" id="card-${id}"><div class="label">${label}</div><div class="value" id="stat-${id}">–</div><div class="note" id="note-${id}">${note}</div></div>`;
}

const STATS = [
  stat('rate', 'Deliveries / s', 'average, last 60 s'),
  stat('p50', 'Time to 200 p50', 'last 60 s'),
  stat('p99', 'Time to 200 p99', 'last 60 s'),
  stat('queue', 'Queue depth', 'events pending'),
  stat('oldest', 'Oldest pending', 'age'),
  stat('received', 'Received', 'deliveries'),
  stat('stored', 'Stored', 'deliveries'),
  stat('duplicates', 'Duplicates', 'deduplicated'),
  stat('events', 'Events', 'normalised'),
  stat('dead', 'Dead letters', 'need attention'),
].join('\n');

function chart(id: string, label: string, empty: string): string {
  return `<div id="${id}" class="chart empty" data-points="0" role="img" aria-label="${label}"><div class="empty-note">${empty}</div></div>`;
}

export const DASHBOARD_HTML = `<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<meta name="referrer" content="no-referrer">
<title>wahook · dashboard</title>
<link rel="icon" href="data:,">
<link rel="stylesheet" href="/api/assets/dashboard.css">
<script src="/api/assets/dashboard.js" defer></script>
</head>
<body>
<header class="top">
  <span class="brand">wahook</span><span class="sub">WhatsApp webhook gateway</span>
  <div id="status" class="status" role="status">Connecting…</div>
</header>
<main>
<section class="stats" aria-label="Totals">
${STATS}
</section>
<section class="grid">
  <article class="panel wide">
    <h2>Throughput <small>deliveries per second, last 60 s</small>
      <span class="legend"><span class="swatch rate">deliveries/s</span><span id="throughput-peak"></span></span></h2>
    ${chart('throughput-chart', 'Deliveries per second over the last 60 seconds', 'No traffic yet')}
  </article>
  <article class="panel">
    <h2>Time to 200 <small>per minute, last 60 min</small>
      <span class="legend"><span class="swatch p50">p50</span><span class="swatch p99">p99</span></span></h2>
    <div class="pair">
      <div><div class="value" id="latency-p50">–</div><div class="label">p50, last 60 s</div></div>
      <div><div class="value" id="latency-p99">–</div><div class="label">p99, last 60 s</div></div>
    </div>
    ${chart('latency-chart', 'Time to 200 p50 and p99 per minute', 'No completed minute with traffic yet')}
  </article>
  <article class="panel">
    <h2>Events by kind <small>since start</small></h2>
    ${chart('kinds-chart', 'Event counts by kind', 'No events yet')}
  </article>
  <article class="panel wide">
    <h2>Cost: AWS Lambda vs dedicated <small id="cost-basis">monthly, at this gateway's traffic</small>
      <span class="legend"><span class="swatch lambda">Lambda</span><span class="swatch dedicated">Dedicated</span></span></h2>
    <div class="cost">
      <div id="cost-chart" class="chart cost-chart empty" data-points="0" role="img" aria-label="Monthly cost against monthly volume">
        <img alt="Monthly cost: AWS Lambda vs dedicated servers"><div class="empty-note">No cost report yet</div>
      </div>
      <div id="cost-verdict" class="verdict"><p class="fine">Waiting for the cost report…</p></div>
    </div>
  </article>
  <article class="panel wide">
    <h2>Dead letters <small id="dlq-count">newest first</small></h2>
    <div class="table-wrap"><table id="dlq-table">
      <thead><tr><th class="num">Seq</th><th>Failed at</th><th>Target</th><th class="num">Attempts</th><th>Last error</th><th>Key</th></tr></thead>
      <tbody></tbody>
    </table></div>
  </article>
  <article class="panel wide" id="media-panel">
    <h2>Media <small id="media-note">downloads, latest first</small></h2>
    <div class="pair media-counts">
      <div><div class="value" id="media-pending">–</div><div class="label">pending</div></div>
      <div><div class="value" id="media-ready">–</div><div class="label">ready</div></div>
      <div><div class="value" id="media-failed">–</div><div class="label">failed</div></div>
    </div>
    <div class="table-wrap"><table id="media-table">
      <thead><tr><th>Updated</th><th>Message id</th><th>State</th><th>Type</th><th class="num">Bytes</th><th class="num">Attempts</th><th>Error</th></tr></thead>
      <tbody></tbody>
    </table></div>
  </article>
  <article class="panel wide">
    <h2>Latest events <small>newest first</small></h2>
    <div class="table-wrap"><table id="events-table">
      <thead><tr><th>Time</th><th>Kind</th><th>Type</th><th>Contact</th><th>Key</th></tr></thead>
      <tbody></tbody>
    </table></div>
  </article>
</section>
</main>
</body>
</html>
`;
