import { GatewayError } from '../../core/errors.js';
import { allowsPrivate, ruleFor, type HostRule } from '../../core/media/host-rules.js';
import type { Gate, MediaHttp } from './http.js';

/** What every media download needs besides its reference. */
export interface FetchContext {
  readonly http: MediaHttp;
  readonly hosts: readonly HostRule[];
  readonly maxBytes: number;
  /** Where downloads are written before they are verified and published. */
  readonly stagingDir: string;
  readonly signal?: AbortSignal;
  readonly now: () => number;
}

/** A verified download, staged, with what the store records about it. */
export interface Fetched {
  readonly file: string;
  readonly bytes: number;
  readonly sha256: string;
  readonly mimeType: string;
}

/** The gate of a download URL (one from a webhook, or one an API returned): listed hosts only. */
export function downloadGate(hosts: readonly HostRule[], alsoTrusted?: string): Gate {
  return (url) => {
    if (alsoTrusted !== undefined && url.origin === alsoTrusted) return { allowPrivate: true };
    const rule = ruleFor(hosts, url);
    if (rule === undefined) {
      throw new GatewayError('WAHOOK_ERR_MEDIA_HOST_REFUSED', `${url.protocol}//${url.host} is not in media.hosts; the media was not fetched`);
    }
    return { allowPrivate: allowsPrivate(rule) };
  };
}

/** The gate of an API the operator configured (the Graph API, a decrypt endpoint): that origin only, never a redirect elsewhere. */
export function apiGate(origin: string): Gate {
  return (url) => {
    if (url.origin !== origin) throw new GatewayError('WAHOOK_ERR_MEDIA_HOST_REFUSED', `${url.origin} is not the configured API at ${origin}`);
    return { allowPrivate: true };
  };
}

/** The hash a download must match, failing the attempt (and leaving nothing stored) when it does not. */
export function checkSha256(actual: string, expected: readonly (string | undefined)[], what: string): void {
  const wanted = expected.filter((x): x is string => x !== undefined);
  if (wanted.length === 0) throw new GatewayError('WAHOOK_ERR_MEDIA_UNVERIFIABLE', `No SHA-256 came with ${what}, so it cannot be verified`);
  for (const w of wanted) {
    if (w !== actual) throw new GatewayError('WAHOOK_ERR_MEDIA_INTEGRITY', `The downloaded ${what} has SHA-256 ${actual}, not the ${w} it was sent with; nothing was stored`);
  }
}
