/**
 * The dashboard stylesheet, served as its own same-origin asset because the
 * page's Content-Security-Policy allows no inline styles. Series colours here
 * and in the chart script are the exact values the browser test looks for.
 */
export const DASHBOARD_CSS = `
:root {
  --bg: #f4f6f8; --panel: #ffffff; --ink: #1f2933; --muted: #616e7c; --line: #e4e7eb;
  --ok: #2f9e44; --warn: #e67700; --bad: #c92a2a;
  --rate: #1c7ed6; --p50: #2f9e44; --p99: #e8590c; --kind: #7048e8;
  --lambda: #d9480f; --dedicated: #1864ab;
}
* { box-sizing: border-box; }
html, body { margin: 0; background: var(--bg); color: var(--ink); }
body { font: 14px/1.45 system-ui, -apple-system, "Segoe UI", Roboto, "Liberation Sans", sans-serif; }
.top {
  display: flex; align-items: center; gap: 12px; padding: 14px 28px;
  background: var(--panel); border-bottom: 1px solid var(--line);
}
.brand { font-size: 19px; font-weight: 700; letter-spacing: -0.01em; }
.sub { color: var(--muted); }
.status { margin-left: auto; display: flex; align-items: center; gap: 8px; color: var(--muted); font-size: 13px; }
.status::before { content: ""; width: 9px; height: 9px; border-radius: 50%; background: var(--muted); }
.status.live::before { background: var(--ok); }
.status.partial::before { background: var(--warn); }
.status.down::before, .status.denied::before { background: var(--bad); }
main { padding: 20px 28px 36px; max-width: 1440px; margin: 0 auto; }
.stats { display: grid; grid-template-columns: repeat(5, minmax(0, 1fr)); gap: 12px; margin-bottom: 16px; }
.stat { background: var(--panel); border: 1px solid var(--line); border-radius: 8px; padding: 12px 14px; }
.stat .label { color: var(--muted); font-size: 12px; text-transform: uppercase; letter-spacing: 0.04em; }
.stat .value { font-size: 24px; font-weight: 650; margin-top: 2px; font-variant-numeric: tabular-nums; }
.stat .note { color: var(--muted); font-size: 12px; }
.stat.alert .value { color: var(--bad); }
.grid { display: grid; grid-template-columns: repeat(2, minmax(0, 1fr)); gap: 16px; }
.panel { background: var(--panel); border: 1px solid var(--line); border-radius: 8px; padding: 14px 16px 16px; min-width: 0; }
.panel.wide { grid-column: 1 / -1; }
.panel h2 { font-size: 15px; margin: 0 0 10px; display: flex; align-items: baseline; gap: 10px; flex-wrap: wrap; }
.panel h2 small { color: var(--muted); font-weight: 400; font-size: 12px; }
.legend { margin-left: auto; display: flex; gap: 14px; font-weight: 400; font-size: 12px; color: var(--muted); }
.swatch::before { content: ""; display: inline-block; width: 12px; height: 3px; margin-right: 5px; vertical-align: middle; }
.swatch.rate::before { background: var(--rate); }
.swatch.p50::before { background: var(--p50); }
.swatch.p99::before { background: var(--p99); }
.swatch.lambda::before { background: var(--lambda); }
.swatch.dedicated::before { background: var(--dedicated); }
.chart { position: relative; width: 100%; min-height: 180px; }
.chart svg { display: block; width: 100%; }
.chart .axis { fill: var(--muted); font-size: 11px; }
.chart .grid-line { stroke: var(--line); stroke-width: 1; }
.chart .empty-note {
  position: absolute; inset: 0; display: none; align-items: center; justify-content: center;
  color: var(--muted); font-size: 13px;
}
.chart.empty .empty-note { display: flex; }
.pair { display: flex; gap: 28px; margin-bottom: 8px; }
.pair .value { font-size: 22px; font-weight: 650; font-variant-numeric: tabular-nums; }
.pair .label { color: var(--muted); font-size: 12px; }
.cost { display: grid; grid-template-columns: minmax(0, 3fr) minmax(260px, 2fr); gap: 20px; align-items: start; }
.cost-chart { min-height: 240px; }
.cost-chart img { display: block; width: 100%; height: auto; }
.cost-chart.empty img { display: none; }
.verdict .label { color: var(--muted); font-size: 12px; text-transform: uppercase; letter-spacing: 0.04em; }
.verdict .choice { font-size: 20px; font-weight: 700; margin: 2px 0 8px; }
.verdict dl { display: grid; grid-template-columns: auto 1fr; gap: 4px 14px; margin: 0 0 10px; }
.verdict dt { color: var(--muted); }
.verdict dd { margin: 0; font-variant-numeric: tabular-nums; }
.verdict ul { margin: 0; padding-left: 18px; color: var(--ink); }
.verdict li { margin-bottom: 4px; }
.verdict .fine { color: var(--muted); font-size: 12px; margin-top: 8px; }
.table-wrap { overflow-x: auto; }
table { width: 100%; border-collapse: collapse; font-size: 13px; }
th { text-align: left; color: var(--muted); font-weight: 600; font-size: 12px; border-bottom: 1px solid var(--line); padding: 6px 8px; }
td { border-bottom: 1px solid var(--line); padding: 6px 8px; white-space: nowrap; }
td.key { font-family: ui-monospace, "DejaVu Sans Mono", monospace; font-size: 12px; max-width: 420px; overflow: hidden; text-overflow: ellipsis; }
td.err { color: var(--bad); max-width: 360px; overflow: hidden; text-overflow: ellipsis; }
td.num, th.num { text-align: right; font-variant-numeric: tabular-nums; }
tr.none td { color: var(--muted); text-align: center; padding: 18px; }
.tag { display: inline-block; padding: 1px 7px; border-radius: 10px; background: #edf2ff; color: #364fc7; font-size: 12px; }
.tag.status { background: #ebfbee; color: #2b8a3e; }
.tag.field { background: #fff4e6; color: #a65e00; }
.tag.session { background: #f3f0ff; color: #5f3dc4; }
.tag.unknown { background: #f1f3f5; color: #495057; }
.tag.media-pending { background: #fff9db; color: #e67700; }
.tag.media-ready { background: #ebfbee; color: #2b8a3e; }
.tag.media-failed { background: #fff5f5; color: #c92a2a; }
#media-panel.alert #media-failed { color: var(--bad); }
@media (max-width: 900px) {
  .grid, .cost { grid-template-columns: minmax(0, 1fr); }
  .stats { grid-template-columns: repeat(2, minmax(0, 1fr)); }
  main, .top { padding-left: 14px; padding-right: 14px; }
}
`;
