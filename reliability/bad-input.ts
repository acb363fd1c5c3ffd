import { http } from '../test/helpers/http.js';
import { badInputCases, type Answer } from './bad-input-cases.js';
import { isMain, numFlag, prepareStore, rssMb, sampleRss, startServe, stopServe, verifyExactlyOnce } from './lib.js';

export interface BadInputOptions {
  /** Times the whole set of cases is sent; RSS after each pass shows whether memory stays bounded. */
  readonly passes: number;
  readonly headersTimeoutMs: number;
  readonly requestTimeoutMs: number;
  readonly bodyLimitBytes: number;
  readonly log?: (line: string) => void;
}

export interface CaseResult { readonly group: string; readonly name: string; readonly expect: Answer; readonly got: Answer; readonly ok: boolean }

export interface BadInputReport {
  readonly results: CaseResult[];
  /** RSS of the serve process (edge and worker) before the first pass and after each, MB. */
  readonly rssAfterPassMb: number[];
  readonly peakRssMb: number;
  readonly aliveAfter: boolean;
  readonly storedDeliveries: number;
}

/** Sends every hostile input of the suite to one `serve` and checks each answer, that the process stays up and that nothing was stored. */
export async function badInput(o: BadInputOptions): Promise<BadInputReport> {
  const store = await prepareStore('sqlite');
  const env = { ...store.env, WAHOOK_HEADERS_TIMEOUT_MS: String(o.headersTimeoutMs), WAHOOK_REQUEST_TIMEOUT_MS: String(o.requestTimeoutMs), WAHOOK_BODY_LIMIT: String(o.bodyLimitBytes) };
  const serving = await startServe(env);
  const pid = serving.proc.child.pid!;
  const rssAfterPassMb = [Math.round(rssMb(pid))];
  const rss = sampleRss(pid);
  const results: CaseResult[] = [];
  try {
    const timing = { headersTimeoutMs: o.headersTimeoutMs, requestTimeoutMs: o.requestTimeoutMs };
    for (let pass = 0; pass < o.passes; pass++) {
      for (const c of badInputCases(o.bodyLimitBytes)) {
        const got = await c.send(serving.port, timing);
        const ok = got.status === c.expect.status && got.code === c.expect.code;
        if (pass === 0) results.push({ group: c.group, name: c.name, expect: c.expect, got, ok });
        else if (!ok) results.push({ group: c.group, name: `${c.name} (pass ${pass + 1})`, expect: c.expect, got, ok });
      }
      rssAfterPassMb.push(Math.round(rssMb(pid)));
      o.log?.(`pass ${pass + 1}/${o.passes}: RSS ${rssAfterPassMb.at(-1)} MB`);
    }
    const aliveAfter = (await http(`http://127.0.0.1:${serving.port}/healthz`).catch(() => ({ status: 0 }))).status === 200;
    const peakRssMb = Math.round(Math.max(...rss.stop()));
    const stored = await verifyExactlyOnce(store.config, []);
    return { results, rssAfterPassMb, peakRssMb, aliveAfter, storedDeliveries: stored.storedDeliveries };
  } finally {
    await stopServe(serving);
    await store.dispose();
  }
}

export function summary(o: BadInputOptions, r: BadInputReport): string {
  const lines = [`bad input: ${r.results.filter((x) => x.ok).length} of ${r.results.length} cases answered as expected, ${o.passes} pass(es); process up after: ${r.aliveAfter}; deliveries stored: ${r.storedDeliveries}`];
  lines.push(`  RSS before and after each pass (MB): ${r.rssAfterPassMb.join(', ')}; peak ${r.peakRssMb} MB`);
  lines.push('', '| input | case | expected | got |', '|---|---|---|---|');
  const fmt = (a: Answer): string => `${a.status} ${a.code ?? ''}`.trim();
  for (const x of r.results) lines.push(`| ${x.group} | ${x.name} | ${fmt(x.expect)} | ${x.ok ? 'same' : `**${fmt(x.got)}**`} |`);
  return lines.join('\n');
}

if (isMain(import.meta.url)) {
  const o: BadInputOptions = {
    passes: numFlag('passes', 10),
    headersTimeoutMs: numFlag('headers-timeout-ms', 10_000),
    requestTimeoutMs: numFlag('request-timeout-ms', 30_000),
    bodyLimitBytes: numFlag('body-limit', 4 * 1024 * 1024),
    log: (l) => console.error(l),
  };
  const r = await badInput(o);
  console.log(summary(o, r));
  process.exitCode = r.aliveAfter && r.storedDeliveries === 0 && r.results.every((x) => x.ok) ? 0 : 1;
}
