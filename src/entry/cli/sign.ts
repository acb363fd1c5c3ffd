import { readFileSync } from 'node:fs';
import { request } from 'node:http';
import { GatewayError } from '../../core/errors.js';
import { signCloudApi } from '../../core/signature.js';
import { cloudTextMessage } from '../../loadgen/payloads.js';
import type { Config } from '../../config/load.js';
import { stringFlag, type ParsedArgs } from './args.js';

/** The sample `wahook sign` posts: a text message with a non-ASCII body. */
export function sampleCloudApiBody(now: number, id = `wamid.sample.${now}`): Buffer {
  return cloudTextMessage({ id, nowSec: Math.floor(now / 1000), text: 'Olá! Does it ship to Zürich?' });
}

/**
 * `wahook sign [--tenant T] [--file F | --body JSON] [--post | --url URL]`: prints the
 * X-Hub-Signature-256 header for a body using the configured app secret, or
 * posts a signed sample delivery. The secret itself is never printed.
 */
export async function signCommand(args: ParsedArgs, config: Config, out: (s: string) => void): Promise<number> {
  const tenantName = stringFlag(args.flags, 'tenant') ?? 'default';
  const tenant = config.tenants[tenantName];
  const secret = tenant?.appSecrets[0];
  if (secret === undefined) throw new GatewayError('WAHOOK_ERR_CLI_USAGE', `Tenant "${tenantName}" has no app secret to sign with (use --dev or WAHOOK_APP_SECRET)`);
  const file = stringFlag(args.flags, 'file');
  const given = file ? readFileSync(file) : stringFlag(args.flags, 'body');
  const body = given === undefined ? sampleCloudApiBody(Date.now()) : Buffer.from(given);
  const signature = signCloudApi(body, secret);
  const url = stringFlag(args.flags, 'url') ?? (args.flags.post === true ? `http://127.0.0.1:${config.port}/webhook${tenantName === 'default' ? '' : `/${tenantName}`}` : undefined);
  if (url === undefined) {
    out(`X-Hub-Signature-256: ${signature}\n`);
    return 0;
  }
  const status = await new Promise<{ code: number; text: string }>((resolve, reject) => {
    const req = request(url, { method: 'POST', headers: { 'content-type': 'application/json', 'x-hub-signature-256': signature, 'content-length': body.length } }, (res) => {
      let text = '';
      res.on('data', (c: Buffer) => (text += c.toString()));
      res.on('end', () => resolve({ code: res.statusCode ?? 0, text }));
    });
    req.on('error', (e) => reject(new GatewayError('WAHOOK_ERR_CLI_USAGE', `Cannot POST to ${url}: ${e.message}`)));
    req.end(body);
  });
  out(`POST ${url} -> ${status.code} ${status.text}\n`);
  return status.code === 200 ? 0 : 1;
}
