import { readFileSync } from 'node:fs';
import { createSecureContext } from 'node:tls';
import type { Config } from '../config/load.js';
import { GatewayError } from '../core/errors.js';

export interface TlsFiles {
  readonly cert: Buffer;
  readonly key: Buffer;
}

function read(path: string, key: 'tlsCert' | 'tlsKey'): Buffer {
  try {
    return readFileSync(path);
  } catch (e) {
    throw new GatewayError('WAHOOK_ERR_CONFIG_INVALID', `Invalid config key "${key}": cannot read ${path} (${(e as NodeJS.ErrnoException).code ?? (e as Error).message})`);
  }
}

/**
 * Reads the certificate and key and checks that they load and belong
 * together, so a bad pair is a config error at start (or a logged refusal
 * at reload), never a server that fails every handshake.
 */
export function loadTlsFiles(config: Pick<Config, 'tlsCert' | 'tlsKey'>): TlsFiles | undefined {
  if (config.tlsCert === undefined || config.tlsKey === undefined) return undefined;
  const files = { cert: read(config.tlsCert, 'tlsCert'), key: read(config.tlsKey, 'tlsKey') };
  try {
    createSecureContext(files);
  } catch (e) {
    throw new GatewayError('WAHOOK_ERR_CONFIG_INVALID', `Invalid config key "tlsCert": ${config.tlsCert} and ${config.tlsKey} are not a PEM certificate and its private key (${(e as Error).message})`);
  }
  return files;
}
