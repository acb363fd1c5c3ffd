import { randomBytes } from 'node:crypto';
import { chmodSync, existsSync, mkdirSync, readFileSync, statSync, writeFileSync } from 'node:fs';
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
  mkdirSync(dataDir, { recursive: true, mode: 0o700 });
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

/**
 * The warning `serve` logs when an existing data dir lets other local users
 * in: it holds raw deliveries with message texts and phone numbers. wahook
 * creates it 0700 but does not change the mode of a directory it was given.
 *
 * @example
 * dataDirWarning('./.wahook') // undefined, or a sentence naming the mode and the chmod that fixes it
 */
export function dataDirWarning(dataDir: string, platform: NodeJS.Platform = process.platform): string | undefined {
  if (platform === 'win32') return undefined;
  let mode: number;
  try {
    const st = statSync(dataDir);
    if (!st.isDirectory()) return undefined;
    mode = st.mode & 0o777;
  } catch {
    return undefined;
  }
  if ((mode & 0o077) === 0) return undefined;
  const octal = mode.toString(8).padStart(3, '0');
  return `data dir ${dataDir} is open to other local users (mode ${octal}) and holds raw deliveries with message texts and phone numbers; run: chmod 700 ${dataDir}`;
}
