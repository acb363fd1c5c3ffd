import type { ReceiveOptions } from '../core/receive.js';
import { sourcePolicy } from '../core/source-policy.js';
import type { Config } from './load.js';

/**
 * What the request path needs from the config, built once per host: the
 * tenants, the signature switch, and the trusted proxies and allowlist,
 * parsed once rather than on every request.
 */
export function receiveOptions(config: Config): ReceiveOptions {
  const noSources = config.trustedProxies.length === 0 && config.webhookAllowCidrs.length === 0;
  return {
    tenants: config.tenants,
    insecureSkipSignature: config.insecureSkipSignature,
    ...(noSources ? {} : { sources: sourcePolicy(config.trustedProxies, config.webhookAllowCidrs) }),
  };
}
