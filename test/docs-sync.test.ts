import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { test } from 'node:test';
import { KEY_DOCS } from '../src/config/schema-docs.js';
import { SCHEMA } from '../src/config/schema.js';
import { CODES } from '../src/core/errors.js';
import { ROOT } from './helpers/process.js';

test('docs/errors.md lists exactly the codes of the registry', async () => {
  const md = readFileSync(join(ROOT, 'docs', 'errors.md'), 'utf8');
  const { ERRORS_MD } = (await import(join(ROOT, 'scripts', 'gen-docs.js'))) as { ERRORS_MD: string };
  assert.equal(md, ERRORS_MD, 'run `node scripts/gen-docs.js`');
  const documented = new Set([...md.matchAll(/`(WAHOOK_ERR_[A-Z0-9_]+)`/g)].map((m) => m[1]));
  assert.deepEqual([...documented].sort(), Object.keys(CODES).sort());
  for (const [code, spec] of Object.entries(CODES)) assert.match(md, new RegExp(`${code}\` \\| ${spec.httpStatus} \\|`));
});

test('docs/config.md is generated from the schema', async () => {
  const { CONFIG_MD } = (await import(join(ROOT, 'scripts', 'gen-docs.js'))) as { CONFIG_MD: string };
  assert.equal(readFileSync(join(ROOT, 'docs', 'config.md'), 'utf8'), CONFIG_MD, 'run `node scripts/gen-docs.js`');
});

test('every config key has a description, and every description a key', () => {
  assert.deepEqual(Object.keys(KEY_DOCS).sort(), SCHEMA.map((s) => s.key).sort());
  for (const [key, doc] of Object.entries(KEY_DOCS)) assert.match(doc, /\S.*\.$|\)$|`$/, `${key} has an empty description`);
});
