import * as crypto from 'node:crypto';

/**
 * Node's one-shot `crypto.hash` (Node 20.12+): a third of the cost of
 * createHash().update().digest() on a small body. Undefined on older Node,
 * whose callers then use createHash or createHmac. Looked up, not imported by
 * name: a named import of `hash` fails to load on Node 20.0-20.11, which
 * `engines` allows.
 */
export const oneShotHash = (crypto as { hash?: (algorithm: string, data: Uint8Array, encoding: 'hex' | 'binary') => string }).hash;
