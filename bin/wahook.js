#!/usr/bin/env node
import { existsSync } from 'node:fs';

const entry = new URL('../dist/src/entry/cli/index.js', import.meta.url);
if (!existsSync(entry)) {
  process.stderr.write('wahook: not built yet; run `npm run build` first\n');
  process.exit(1);
}
const { main } = await import(entry.href);
const code = await main(process.argv.slice(2), {
  out: (s) => process.stdout.write(s),
  err: (s) => process.stderr.write(s),
  env: process.env,
  errIsTTY: process.stderr.isTTY === true,
});
process.exitCode = code;
