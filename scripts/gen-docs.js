#!/usr/bin/env node
// Writes docs/config.md from the config schema and checks docs/errors.md against the error registry.
// `node scripts/gen-docs.js` rewrites docs/config.md; tests fail when either drifts.
import { writeFileSync } from 'node:fs';

const { SCHEMA } = await import('../dist/src/config/schema.js');
const { KEY_DOCS } = await import('../dist/src/config/schema-docs.js');
const rows = SCHEMA.map((s) => {
  const def = s.default === undefined ? '' : Array.isArray(s.default) ? s.default.join(',') : String(s.default);
  return `| \`${s.key}\` | ${s.type} | ${def === '' ? '—' : `\`${def}\``} | ${s.env ? `\`${s.env}\`` : '—'} | ${s.flag ? `\`--${s.flag}\`` : '—'} | ${s.secret ? 'yes' : ''} | ${KEY_DOCS[s.key]} |`;
});
export const CONFIG_MD = `# Configuration

Generated from \`src/config/schema.ts\` and \`src/config/schema-docs.ts\` by \`node scripts/gen-docs.js\`; a test fails when this file drifts.

Precedence, highest first: flags, environment, config file (\`--config\` or \`WAHOOK_CONFIG\`, JSON), \`--dev\` secrets, defaults.
The config file uses the keys below (nested objects for dotted keys, e.g. \`{"worker": {"maxAttempts": 5}}\`) plus \`tenants\`:

\`\`\`json
{ "tenants": { "acme": { "appSecrets": ["new", "old"], "verifyToken": "…", "wasenderSecret": "…" } } }
\`\`\`

Tenant \`acme\` is served at \`/webhook/acme\` (Cloud API, GET handshake) and \`/webhook/acme/wasender\`.
The environment secrets configure the \`default\` tenant, served at \`/webhook\` and \`/webhook/wasender\`.

| key | type | default | env | flag | secret | meaning |
|---|---|---|---|---|---|---|
${rows.join('\n')}
`;
if (process.argv[1] && process.argv[1].endsWith('gen-docs.js')) writeFileSync(new URL('../docs/config.md', import.meta.url), CONFIG_MD);

const { CODES } = await import('../dist/src/core/errors.js');
export const ERRORS_MD = `# Error codes

Every error wahook returns over HTTP is \`{"error":{"code":"…","message":"…"}}\` with one of these stable codes; the request itself is never echoed. CLI errors print the same codes. Generated from \`src/core/errors.ts\` by \`node scripts/gen-docs.js\`; a test keeps the two in sync.

| code | HTTP | retryable | meaning |
|---|---|---|---|
${Object.entries(CODES).map(([k, v]) => `| <a id="${k}"></a>\`${k}\` | ${v.httpStatus} | ${v.retryable ? 'yes' : 'no'} | ${v.message} |`).join('\n')}
`;
if (process.argv[1] && process.argv[1].endsWith('gen-docs.js')) writeFileSync(new URL('../docs/errors.md', import.meta.url), ERRORS_MD);
