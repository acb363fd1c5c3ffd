import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

let cachedRoot: string | undefined;

/** The directory holding package.json; the same walk works from the sources and from the compiled output. */
export function projectRoot(): string {
  if (cachedRoot) return cachedRoot;
  let dir = dirname(fileURLToPath(import.meta.url));
  while (!existsSync(join(dir, 'package.json'))) {
    const parent = dirname(dir);
    if (parent === dir) throw new Error('package.json not found above the fixture helper');
    dir = parent;
  }
  cachedRoot = dir;
  return dir;
}

function fixturePath(relPath: string): string {
  return join(projectRoot(), 'test', 'fixtures', relPath);
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
