import { cidrList, type CidrList } from './cidr.js';
import { GatewayError } from './errors.js';
import type { Headers } from './receive.js';

/**
 * Who sent a request, and whether it may POST deliveries. The address of a
 * request is its direct peer's, unless that peer is a trusted proxy: then
 * `X-Forwarded-For` is read from the right (each proxy appends the address it
 * saw), trusted hops are skipped, and the first untrusted one is the client.
 * Entries left of it were written by the client itself and are never
 * believed. A request that does not come from a trusted proxy has its
 * forwarding headers ignored, so nobody can claim an address by sending one.
 */
export interface SourcePolicy {
  readonly trustedProxies: CidrList;
  /** Empty: every address may POST to the webhook routes. */
  readonly webhookAllow: CidrList;
}

export const OPEN_SOURCES: SourcePolicy = { trustedProxies: cidrList([]).list, webhookAllow: cidrList([]).list };

/**
 * Builds the policy from config lists; throws the config error naming the
 * first entry that is not an address or range.
 */
export function sourcePolicy(trustedProxies: readonly string[], webhookAllowCidrs: readonly string[]): SourcePolicy {
  const trusted = cidrList(trustedProxies);
  if (trusted.invalid !== undefined) throw notARange('trustedProxies', trusted.invalid);
  const allow = cidrList(webhookAllowCidrs);
  if (allow.invalid !== undefined) throw notARange('webhookAllowCidrs', allow.invalid);
  return { trustedProxies: trusted.list, webhookAllow: allow.list };
}

function notARange(key: string, entry: string): GatewayError {
  return new GatewayError('WAHOOK_ERR_CONFIG_INVALID', `Invalid config key "${key}": "${entry}" is not an IPv4 or IPv6 address or CIDR range (e.g. 10.0.0.0/8, 2400:cb00::/32)`);
}

function forwardedFor(headers: Headers): string[] {
  const raw = headers['x-forwarded-for'];
  if (raw === undefined) return [];
  // Repeated headers count as one list, in the order they arrived.
  const joined = Array.isArray(raw) ? raw.join(',') : raw;
  return joined.split(',').map((s) => s.trim()).filter((s) => s !== '');
}

/**
 * The client's address under the policy's trusted proxies; undefined when
 * the host does not know its peer.
 *
 * @example
 * // a trusted proxy at 10.0.0.2 forwarded for 203.0.113.9, which claimed 1.1.1.1
 * clientAddress('10.0.0.2', { 'x-forwarded-for': '1.1.1.1, 203.0.113.9' }, policy) // '203.0.113.9'
 */
export function clientAddress(peer: string | undefined, headers: Headers, policy: SourcePolicy): string | undefined {
  if (peer === undefined || !policy.trustedProxies.has(peer)) return peer;
  const hops = forwardedFor(headers);
  let client = peer;
  for (let i = hops.length - 1; i >= 0; i--) {
    client = hops[i]!;
    if (!policy.trustedProxies.has(client)) return client;
  }
  // Every hop is a trusted proxy: the leftmost one is as far as the chain can be followed.
  return client;
}

/**
 * Refuses a delivery POST from outside the allowlist, before its body is
 * read. No allowlist: everyone may POST, and signatures decide as always.
 */
export function assertSourceAllowed(peer: string | undefined, headers: Headers, policy: SourcePolicy): void {
  if (policy.webhookAllow.size === 0) return;
  if (!policy.webhookAllow.has(clientAddress(peer, headers, policy))) throw new GatewayError('WAHOOK_ERR_SOURCE_NOT_ALLOWED');
}
