import { randomBytes } from 'node:crypto';
import { chmodSync, existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { GatewayError } from '../core/errors.js';
import { loadConfig, type Config } from '../config/load.js';

const DEV_FILE = 'dev-secrets.json';

function readConfigFile(path: string): unknown {
  let text: string;
  try {
    text = readFileSync(path, 'utf8');
  } catch (e) {
    throw new GatewayError('WAHOOK_ERR_CONFIG_INVALID', `Invalid config key "config": cannot read ${path} (${(e as Error).message})`);
  }
  try {
    return JSON.parse(text);
  } catch (e) {
    throw new GatewayError('WAHOOK_ERR_CONFIG_INVALID', `Invalid config key "config": ${path} is not valid JSON (${(e as Error).message})`);
  }
}

/**
 * `--dev` keeps generated secrets in the data dir (mode 0600) so that the
 * same secret survives restarts and `wahook sign --dev` can sign with it.
 */
export function devSecrets(dataDir: string, create: boolean): Record<string, unknown> | undefined {
  const path = join(dataDir, DEV_FILE);
  if (existsSync(path)) return JSON.parse(readFileSync(path, 'utf8')) as Record<string, unknown>;
  if (!create) return undefined;
  mkdirSync(dataDir, { recursive: true });
  const secrets = {
    appSecrets: [randomBytes(24).toString('hex')],
    verifyToken: randomBytes(12).toString('hex'),
    wasenderSecret: randomBytes(24).toString('hex'),
    adminToken: randomBytes(18).toString('base64url'),
  };
  writeFileSync(path, JSON.stringify(secrets, null, 2), { mode: 0o600 });
  chmodSync(path, 0o600);
  return secrets;
}

/** Loads the config once for a command: flags, then env, then file, then dev secrets, then defaults. */
export function bootstrapConfig(flags: Record<string, unknown>, env: NodeJS.ProcessEnv, opts: { createDevSecrets?: boolean } = {}): Config {
  const configFile = (flags.config as string | undefined) ?? env.WAHOOK_CONFIG;
  const file = configFile ? readConfigFile(configFile) : undefined;
  const first = loadConfig({ flags, env, file, configFile });
  if (!first.dev) return first;
  const dev = devSecrets(resolve(first.dataDir), opts.createDevSecrets ?? false);
  return dev ? loadConfig({ flags, env, file, configFile, dev }) : first;
}
