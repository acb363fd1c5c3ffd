import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { packageRoot } from '../../src/planner/shipped-prices.js';

export { packageRoot as projectRoot } from '../../src/planner/shipped-prices.js';

function fixturePath(relPath: string): string {
  return join(packageRoot(), 'test', 'fixtures', relPath);
}

/** Raw bytes of a fixture, for tests that sign or hash the body exactly as a provider would send it. */
export function fixtureBytes(relPath: string): Buffer {
  return readFileSync(fixturePath(relPath));
}

export function loadFixture(relPath: string): unknown {
  return JSON.parse(fixtureBytes(relPath).toString('utf8')) as unknown;
}

/** Relative paths (usable with loadFixture) of every JSON fixture under a fixture subdirectory, sorted. */
export function listFixtures(relDir: string): string[] {
  const out: string[] = [];
  const walk = (rel: string): void => {
    for (const entry of readdirSync(fixturePath(rel), { withFileTypes: true })) {
      const child = join(rel, entry.name);
      if (entry.isDirectory()) walk(child);
      else if (entry.name.endsWith('.json')) out.push(child);
    }
  };
  walk(relDir);
  return out.sort();
}
