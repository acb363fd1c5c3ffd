import type { Config } from '../../config/load.js';
import { createEngine } from '../../compose.js';

/** `wahook migrate`: brings the configured database's schema up to this wahook's; safe to run from several processes at once. */
export async function migrateCommand(config: Config, out: (s: string) => void): Promise<number> {
  const engine = createEngine(config);
  if (engine.migrate === undefined) {
    out(`${JSON.stringify({ engine: engine.name, migrated: false, reason: 'this engine migrates its files when it opens them' })}\n`);
    return 0;
  }
  const r = await engine.migrate();
  out(`${JSON.stringify({ engine: engine.name, from: r.from, to: r.to })}\n`);
  return 0;
}
