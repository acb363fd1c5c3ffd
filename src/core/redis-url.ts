/**
 * A Redis Streams queue URL: `redis://[user:password@]host[:port][/db]`
 * (`rediss://` for TLS), with optional `key` (the prefix of every key
 * wahook writes, so several gateways can share one server) and `group`
 * (the workers' consumer group).
 *
 * @example
 * redisQueueAddress('redis://127.0.0.1:6380/2?key=acme') // { host: '127.0.0.1', port: 6380, db: 2, tls: false, key: 'acme', group: 'workers' }
 */
export interface RedisQueueAddress {
  readonly host: string;
  readonly port: number;
  readonly db: number;
  readonly tls: boolean;
  readonly username?: string;
  readonly password?: string;
  readonly key: string;
  readonly group: string;
}

const NAME = /^[A-Za-z0-9_.:-]{1,100}$/;
const PARAMS = new Set(['key', 'group']);

/** The parsed address, or null when the URL is not a Redis queue URL wahook understands. */
export function redisQueueAddress(url: string): RedisQueueAddress | null {
  let u: URL;
  try {
    u = new URL(url);
  } catch {
    return null;
  }
  if ((u.protocol !== 'redis:' && u.protocol !== 'rediss:') || u.hostname === '' || u.hash !== '') return null;
  const db = /^\/?$/.test(u.pathname) ? 0 : /^\/\d{1,2}$/.test(u.pathname) ? Number(u.pathname.slice(1)) : -1;
  if (db < 0) return null;
  if ([...u.searchParams.keys()].some((k) => !PARAMS.has(k))) return null;
  const key = u.searchParams.get('key') ?? 'wahook';
  const group = u.searchParams.get('group') ?? 'workers';
  if (!NAME.test(key) || !NAME.test(group)) return null;
  return {
    host: u.hostname.replace(/^\[(.*)\]$/, '$1'),
    port: u.port === '' ? 6379 : Number(u.port),
    db,
    tls: u.protocol === 'rediss:',
    ...(u.username !== '' ? { username: decodeURIComponent(u.username) } : {}),
    ...(u.password !== '' ? { password: decodeURIComponent(u.password) } : {}),
    key,
    group,
  };
}
