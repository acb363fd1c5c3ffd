import { readFileSync, writeFileSync } from 'node:fs';
import type { Config } from '../../config/load.js';
import { createEngine } from '../../compose.js';
import { runCost } from '../../planner/index.js';
import { measuredTraffic } from '../../telemetry/measured.js';
import { defaultPrices } from '../../planner/shipped-prices.js';
import { benchedDuration } from '../../planner/benched-duration.js';

/** Flags that belong to the gateway config, not the planner; `cost` reads them to find the data dir. */
const CONFIG_FLAGS = new Set(['--data-dir', '--config', '--dev']);

/** `wahook cost [...]`: the month's bill for Lambda and dedicated servers, from measured traffic or flags. */
export async function costCommand(argv: readonly string[], config: Config, out: (s: string) => void): Promise<number> {
  const planner: string[] = [];
  for (let i = 0; i < argv.length; i++) {
    const a = argv[i]!;
    const name = a.split('=')[0]!;
    if (CONFIG_FLAGS.has(name)) {
      if (!a.includes('=') && name !== '--dev') i++;
      continue;
    }
    planner.push(a);
  }
  const telemetry = await createEngine(config).openTelemetryStore();
  const now = Date.now();
  const measured = measuredTraffic(await telemetry.since(now - config.telemetryRetentionDays * 86_400_000), now);
  await telemetry.close();
  runCost(planner, measured, {
    stdout: out,
    writeFile: (p, d) => writeFileSync(p, d),
    readFile: (p) => readFileSync(p, 'utf8'),
    defaultPrices: defaultPrices(),
    benchedDuration: benchedDuration(),
  });
  return 0;
}
