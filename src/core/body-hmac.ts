import { createHmac, type Hmac } from 'node:crypto';
import { headerMatches, hmacKey, wellFormed } from './signature.js';

/**
 * A Cloud API signature check fed chunk by chunk while the body arrives,
 * for bodies too large for the one-shot path (`ONE_SHOT_MAX_BYTES`): the
 * hashing is spread over the arrival instead of done in one piece, on the
 * event loop, once the last byte is in. Same verdict as `verifyCloudApi`
 * over the whole body: any of the secrets (rotation), every one of them
 * computed whatever matched, upper-case hex accepted.
 *
 * @example
 * const check = new BodyHmac(tenant.appSecrets);
 * req.on('data', (chunk) => check.update(chunk));
 * req.on('end', () => check.matches(req.headers['x-hub-signature-256']));
 */
export class BodyHmac {
  private readonly hmacs: Hmac[];

  constructor(secrets: readonly string[]) {
    this.hmacs = secrets.map((s) => createHmac('sha256', hmacKey(s)));
  }

  update(chunk: Uint8Array): void {
    for (const h of this.hmacs) h.update(chunk);
  }

  /** Ends the hashing: call once, after the last chunk. */
  matches(header: string | undefined): boolean {
    const digests = this.hmacs.map((h) => h.digest('hex'));
    if (!wellFormed(header)) return false;
    let ok = false;
    for (const d of digests) if (headerMatches(d, header)) ok = true;
    return ok;
  }
}
