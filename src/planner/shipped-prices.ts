import { existsSync, readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

/**
 * The package root (the directory holding package.json above this module);
 * the same walk works from the sources and from the compiled output.
 * @example join(packageRoot(), 'prices', 'prices.json')
 */
export function packageRoot(): string {
  let dir = dirname(fileURLToPath(import.meta.url));
  while (!existsSync(join(dir, 'package.json'))) {
    const up = dirname(dir);
    if (up === dir) throw new Error('package.json not found above this module');
    dir = up;
  }
  return dir;
}

/** The price book shipped with the package (prices/prices.json); a fresh parse, safe to mutate. */
export function defaultPrices(): unknown {
  return JSON.parse(readFileSync(join(packageRoot(), 'prices', 'prices.json'), 'utf8')) as unknown;
}
