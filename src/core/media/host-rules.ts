import { GatewayError } from '../errors.js';

/**
 * Which hosts media may be downloaded from. Webhooks carry the download
 * URL, so without a list anyone who can get a payload signed could make the
 * gateway fetch from any address it can reach, its own network included.
 */
export interface HostRule {
  /** Lowercase host name or IP; for a wildcard, the suffix after `*.`. */
  readonly host: string;
  /** Without a port a rule takes https on 443 only. */
  readonly port?: number;
  readonly wildcard: boolean;
  /**
   * Named by the operator (media.hosts) rather than built in. Only an
   * exact host the operator named may resolve to a private or loopback
   * address: a built-in or wildcard host that does so is taken for DNS
   * rebinding or a poisoned resolver.
   */
  readonly explicit: boolean;
}

/** Where Meta's media URLs point (lookaside.fbsbx.com) and WhatsApp's CDN (mmg.whatsapp.net and its siblings). */
export const DEFAULT_MEDIA_HOSTS: readonly string[] = ['lookaside.fbsbx.com', 'mmg.whatsapp.net', '*.whatsapp.net'];

const NAME = /^(\*\.)?([a-z0-9-]+(\.[a-z0-9-]+)*)$/;

function parseEntry(raw: string, explicit: boolean): HostRule {
  const entry = raw.trim().toLowerCase();
  const v6 = /^\[([0-9a-f:.]+)\](?::(\d+))?$/.exec(entry);
  const [hostPart, portPart] = v6 ? [v6[1]!, v6[2]] : entry.split(/:(?=\d+$)/) as [string, string | undefined];
  const name = v6 ? null : NAME.exec(hostPart);
  if (!v6 && name === null) throw new GatewayError('WAHOOK_ERR_CONFIG_INVALID', `Invalid config key "media.hosts": "${raw}" is not a host name, *.suffix or host:port`);
  const port = portPart === undefined ? undefined : Number(portPart);
  if (port !== undefined && !(port > 0 && port < 65536)) throw new GatewayError('WAHOOK_ERR_CONFIG_INVALID', `Invalid config key "media.hosts": "${raw}" has no valid port`);
  const wildcard = name?.[1] !== undefined;
  return { host: v6 ? hostPart : name![2]!, wildcard, explicit, ...(port !== undefined ? { port } : {}) };
}

/**
 * The operator's list (media.hosts), or the built-in one when it is empty.
 *
 * @example hostRules(['127.0.0.1:9000']) // [{ host: '127.0.0.1', port: 9000, wildcard: false, explicit: true }]
 */
export function hostRules(entries: readonly string[]): HostRule[] {
  return entries.length > 0 ? entries.map((e) => parseEntry(e, true)) : DEFAULT_MEDIA_HOSTS.map((e) => parseEntry(e, false));
}

/** A URL's host as `net` takes it: lowercase, IPv6 without brackets. @example hostOf(new URL('http://[::1]:9000/x')) // '::1' */
export function hostOf(url: URL): string {
  return url.hostname.toLowerCase().replace(/^\[(.*)\]$/, '$1');
}

function portOf(url: URL): number {
  return url.port !== '' ? Number(url.port) : url.protocol === 'https:' ? 443 : 80;
}

/**
 * The rule that lets `url` be fetched, if any. A rule without a port takes
 * https on 443 only, so a listed host cannot be reached over plain http or
 * on another of its ports unless that port was named.
 *
 * @example ruleFor(hostRules([]), new URL('https://mmg.whatsapp.net/d/f.enc'))?.host // 'mmg.whatsapp.net'
 */
export function ruleFor(rules: readonly HostRule[], url: URL): HostRule | undefined {
  if (url.protocol !== 'https:' && url.protocol !== 'http:') return undefined;
  const host = hostOf(url);
  const port = portOf(url);
  return rules.find((r) => {
    if (r.port === undefined ? url.protocol !== 'https:' || port !== 443 : r.port !== port) return false;
    return r.wildcard ? host.endsWith(`.${r.host}`) : host === r.host;
  });
}

/** Whether a rule lets its host resolve to a private or loopback address. @example allowsPrivate(hostRules(['127.0.0.1:9000'])[0]!) // true */
export function allowsPrivate(rule: HostRule): boolean {
  return rule.explicit && !rule.wildcard;
}

function v4Private(a: number, b: number): boolean {
  return (
    a === 0 || a === 10 || a === 127 || a >= 224 ||
    (a === 100 && b >= 64 && b < 128) ||
    (a === 169 && b === 254) ||
    (a === 172 && b >= 16 && b < 32) ||
    (a === 192 && (b === 168 || b === 0)) ||
    (a === 198 && (b === 18 || b === 19 || b === 51)) ||
    (a === 203 && b === 0)
  );
}

function parseV4(ip: string): number[] | null {
  const parts = ip.split('.');
  if (parts.length !== 4 || parts.some((p) => !/^\d{1,3}$/.test(p) || Number(p) > 255)) return null;
  return parts.map(Number);
}

/** Eight 16-bit groups, or null. Accepts `::` and a dotted IPv4 tail. */
function parseV6(ip: string): number[] | null {
  let text = ip.replace(/%.*$/, '');
  const tail = /(\d+\.\d+\.\d+\.\d+)$/.exec(text);
  if (tail) {
    const v4 = parseV4(tail[1]!);
    if (v4 === null) return null;
    text = `${text.slice(0, -tail[1]!.length)}${((v4[0]! << 8) | v4[1]!).toString(16)}:${((v4[2]! << 8) | v4[3]!).toString(16)}`;
  }
  const halves = text.split('::');
  if (halves.length > 2) return null;
  const groups = (s: string): number[] | null => {
    if (s === '') return [];
    const out = s.split(':').map((g) => (/^[0-9a-f]{1,4}$/i.test(g) ? parseInt(g, 16) : NaN));
    return out.some(Number.isNaN) ? null : out;
  };
  const head = groups(halves[0]!);
  const rest = halves.length === 2 ? groups(halves[1]!) : [];
  if (head === null || rest === null) return null;
  const fill = 8 - head.length - rest.length;
  if (halves.length === 2 ? fill < 1 : fill !== 0) return null;
  return [...head, ...Array<number>(fill).fill(0), ...rest];
}

/**
 * Whether an address is anything but a public unicast one: loopback,
 * private, link-local, carrier-grade NAT, multicast, reserved, and the same
 * inside IPv6 (mapped, NAT64 and unique-local forms included). Unparsable
 * input counts as private, so it is refused.
 *
 * @example isPrivateAddress('10.1.2.3') // true
 * @example isPrivateAddress('::ffff:127.0.0.1') // true
 * @example isPrivateAddress('157.240.1.1') // false
 */
export function isPrivateAddress(ip: string): boolean {
  const v4 = parseV4(ip);
  if (v4 !== null) return v4Private(v4[0]!, v4[1]!);
  const g = parseV6(ip.toLowerCase());
  if (g === null) return true;
  const embeddedV4 = (): boolean => v4Private(g[6]! >> 8, g[6]! & 0xff);
  if (g.slice(0, 5).every((x) => x === 0) && (g[5] === 0 || g[5] === 0xffff)) return g[5] === 0 && g[6] === 0 ? true : embeddedV4();
  if (g[0] === 0x64 && g[1] === 0xff9b && g.slice(2, 6).every((x) => x === 0)) return embeddedV4();
  const first = g[0]!;
  return (
    (first & 0xfe00) === 0xfc00 || // unique local
    (first & 0xffc0) === 0xfe80 || // link-local
    (first & 0xffc0) === 0xfec0 || // site-local
    (first & 0xff00) === 0xff00 || // multicast
    (first === 0x2001 && g[1] === 0x0db8) || // documentation
    (first === 0x0100 && g[1] === 0 && g[2] === 0 && g[3] === 0) // discard
  );
}
