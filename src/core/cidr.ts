/**
 * IP addresses and CIDR ranges, IPv4 and IPv6, parsed by hand so the core
 * stays free of I/O. An IPv4-mapped IPv6 address (`::ffff:203.0.113.7`, what
 * a dual-stack socket reports for an IPv4 peer) is the IPv4 address it maps:
 * it matches IPv4 ranges, and `::ffff:0:0/96` style ranges match plain IPv4.
 */

/** 4 bytes for IPv4, 16 for IPv6; a mapped address is already folded to its 4. */
export type IpBytes = Uint8Array;

export interface Cidr {
  readonly bytes: IpBytes;
  readonly prefix: number;
}

function parseV4(s: string): IpBytes | undefined {
  const parts = s.split('.');
  if (parts.length !== 4) return undefined;
  const out = new Uint8Array(4);
  for (let i = 0; i < 4; i++) {
    const p = parts[i]!;
    if (!/^\d{1,3}$/.test(p) || (p.length > 1 && p.startsWith('0'))) return undefined;
    const n = Number(p);
    if (n > 255) return undefined;
    out[i] = n;
  }
  return out;
}

function groupsOf(s: string, endsAddress: boolean): number[] | undefined {
  if (s === '') return [];
  const out: number[] = [];
  const parts = s.split(':');
  for (let i = 0; i < parts.length; i++) {
    const p = parts[i]!;
    // An embedded IPv4 address is allowed as the last two groups of the whole address only.
    if (endsAddress && i === parts.length - 1 && p.includes('.')) {
      const v4 = parseV4(p);
      if (v4 === undefined) return undefined;
      out.push((v4[0]! << 8) | v4[1]!, (v4[2]! << 8) | v4[3]!);
      continue;
    }
    if (!/^[0-9a-f]{1,4}$/i.test(p)) return undefined;
    out.push(parseInt(p, 16));
  }
  return out;
}

function parseV6(s: string): IpBytes | undefined {
  const halves = s.split('::');
  if (halves.length > 2) return undefined;
  const head = groupsOf(halves[0]!, halves.length === 1);
  const tail = halves.length === 2 ? groupsOf(halves[1]!, true) : [];
  if (head === undefined || tail === undefined) return undefined;
  const missing = 8 - head.length - tail.length;
  if (halves.length === 1 ? missing !== 0 : missing < 1) return undefined;
  const groups = [...head, ...new Array<number>(halves.length === 2 ? missing : 0).fill(0), ...tail];
  const out = new Uint8Array(16);
  groups.forEach((g, i) => {
    out[2 * i] = g >> 8;
    out[2 * i + 1] = g & 0xff;
  });
  return out;
}

function isMappedV4(b: IpBytes): boolean {
  if (b.length !== 16) return false;
  for (let i = 0; i < 10; i++) if (b[i] !== 0) return false;
  return b[10] === 0xff && b[11] === 0xff;
}

/**
 * An address as bytes, or undefined when it is not one. Brackets and an
 * IPv6 zone (`%eth0`) are dropped; a mapped IPv4 address becomes IPv4.
 *
 * @example parseIp('::ffff:10.0.0.1') // Uint8Array [10, 0, 0, 1]
 */
export function parseIp(raw: string): IpBytes | undefined {
  let s = raw.trim();
  if (s.startsWith('[') && s.endsWith(']')) s = s.slice(1, -1);
  const zone = s.indexOf('%');
  if (zone !== -1) s = s.slice(0, zone);
  if (s.includes(':')) {
    const b = parseV6(s);
    return b !== undefined && isMappedV4(b) ? b.slice(12) : b;
  }
  return parseV4(s);
}

/**
 * A range such as `173.245.48.0/20` or `2400:cb00::/32`; a bare address is
 * its own single-address range. A mapped IPv6 range (`::ffff:10.0.0.0/104`)
 * becomes the IPv4 range it covers. Host bits past the prefix are ignored.
 *
 * @example parseCidr('10.0.0.0/8') // { bytes: [10, 0, 0, 0], prefix: 8 }
 */
export function parseCidr(raw: string): Cidr | undefined {
  const s = raw.trim();
  const slash = s.indexOf('/');
  const addr = slash === -1 ? s : s.slice(0, slash);
  const inner = addr.startsWith('[') && addr.endsWith(']') ? addr.slice(1, -1) : addr;
  const full = inner.includes(':') ? parseV6(inner) : parseV4(inner);
  if (full === undefined) return undefined;
  const width = full.length * 8;
  let prefix = width;
  if (slash !== -1) {
    const p = s.slice(slash + 1);
    if (!/^\d{1,3}$/.test(p) || Number(p) > width) return undefined;
    prefix = Number(p);
  }
  if (isMappedV4(full) && prefix >= 96) return { bytes: full.slice(12), prefix: prefix - 96 };
  return { bytes: full, prefix };
}

/** Whether an address (as parseIp returns it) lies in a range; IPv4 never matches an IPv6 range and vice versa. */
export function cidrContains(range: Cidr, ip: IpBytes): boolean {
  if (range.bytes.length !== ip.length) return false;
  const whole = range.prefix >> 3;
  for (let i = 0; i < whole; i++) if (range.bytes[i] !== ip[i]) return false;
  const rest = range.prefix & 7;
  if (rest === 0) return true;
  const mask = (0xff << (8 - rest)) & 0xff;
  return (range.bytes[whole]! & mask) === (ip[whole]! & mask);
}

export interface CidrList {
  readonly size: number;
  /** Whether the address is in any of the ranges; an unparseable address is in none. */
  has(address: string | undefined): boolean;
}

/**
 * Parses a list of ranges; the first entry that is not a range is returned
 * as `invalid` so config can name it.
 *
 * @example cidrList(['10.0.0.0/8', '::1']).list.has('::ffff:10.1.2.3') // true
 */
export function cidrList(entries: readonly string[]): { list: CidrList; invalid?: string } {
  const ranges: Cidr[] = [];
  for (const e of entries) {
    const r = parseCidr(e);
    if (r === undefined) return { list: cidrListOf([]), invalid: e };
    ranges.push(r);
  }
  return { list: cidrListOf(ranges) };
}

function cidrListOf(ranges: readonly Cidr[]): CidrList {
  return {
    size: ranges.length,
    has(address) {
      if (address === undefined || ranges.length === 0) return false;
      const ip = parseIp(address);
      return ip !== undefined && ranges.some((r) => cidrContains(r, ip));
    },
  };
}
