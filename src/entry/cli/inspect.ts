import type { Config } from '../../config/load.js';
import { createEngine } from '../../compose.js';
import { intFlag, type ParsedArgs } from './args.js';

/** `wahook deliveries --json [--limit N]`: newest first, one JSON object per line. */
export async function deliveriesCommand(args: ParsedArgs, config: Config, out: (s: string) => void): Promise<number> {
  const log = await createEngine(config).openDeliveryLog();
  try {
    for (const d of await log.latest(intFlag(args.flags, 'limit', 100))) {
      const line = { id: d.id, tenant: d.tenant, provider: d.provider, receivedAt: new Date(d.receivedAt).toISOString(), bytes: d.bytes };
      out(args.flags.json ? `${JSON.stringify(line)}\n` : `${line.id}\t${line.receivedAt}\t${line.tenant}\t${line.provider}\t${line.bytes} B\n`);
    }
  } finally {
    await log.close();
  }
  return 0;
}
