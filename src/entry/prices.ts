import { existsSync, readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

/** The price book shipped with the package (prices/prices.json at the package root). */
export function defaultPrices(): unknown {
  let dir = dirname(fileURLToPath(import.meta.url));
  while (!existsSync(join(dir, 'package.json'))) {
    const up = dirname(dir);
    if (up === dir) throw new Error('prices/prices.json not found beside the package');
    dir = up;
  }
  return JSON.parse(readFileSync(join(dir, 'prices', 'prices.json'), 'utf8')) as unknown;
}
