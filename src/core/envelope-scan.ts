import type { Provider } from './events.js';

/**
 * The edge only has to know that a body is JSON of the right shape; the
 * pipeline parses it later anyway. Scanning the bytes for that answer is
 * cheaper than `JSON.parse(body.toString())` on a typical delivery
 * (`npm run bench:parts` compares the two) and builds no objects for the GC.
 *
 * It only ever says "certainly an envelope". Anything it is not sure of
 * (invalid JSON, escaped or repeated keys where the shape is read, nesting
 * deeper than MAX_DEPTH) returns false, and the caller decides with
 * JSON.parse, so no body is refused here. A test compares it with JSON.parse
 * on mutated payloads.
 */

const MAX_DEPTH = 256;

// Bytes that continue a string without a second look: not `"`, `\` or a control character.
// Bytes of 0x80 and up are allowed as they come: JSON.parse reads the body decoded as UTF-8, where an invalid
// sequence becomes U+FFFD (valid in a string) and never swallows an ASCII byte after it. The edge refuses
// invalid UTF-8 before the scan (receive.ts); the scan stays right without that.
const PLAIN = new Uint8Array(256).fill(1);
for (let c = 0; c < 0x20; c++) PLAIN[c] = 0;
PLAIN[0x22] = 0;
PLAIN[0x5c] = 0;

// A table, not a case-folding OR: `c | 0x20` also maps the control bytes 0x10-0x19 onto '0'-'9'.
const HEX = new Uint8Array(256);
for (const c of '0123456789abcdefABCDEF') HEX[c.charCodeAt(0)] = 1;

const QUOTE = 0x22;
const COLON = 0x3a;
const COMMA = 0x2c;
const OPEN_OBJECT = 0x7b;
const CLOSE_OBJECT = 0x7d;
const OPEN_ARRAY = 0x5b;
const CLOSE_ARRAY = 0x5d;

const EMPTY = new Uint8Array(0);
// The scan's state lives in the module: it runs synchronously start to end, and locals passed around cost more.
let b: Uint8Array = EMPTY;
let i = 0;
let n = 0;

function ws(): void {
  while (i < n) {
    const c = b[i]!;
    if (c !== 0x20 && c !== 0x0a && c !== 0x0d && c !== 0x09) return;
    i++;
  }
}

/** At a `"`: consumes the string. -1: not valid JSON; 0: no escapes; 1: had escapes. */
function str(): number {
  let j = i + 1;
  while (j < n && PLAIN[b[j]!] === 1) j++;
  if (j >= n) return -1;
  if (b[j] === QUOTE) {
    i = j + 1;
    return 0;
  }
  i = j;
  while (i < n) {
    const c = b[i++]!;
    if (c === QUOTE) return 1;
    if (c === 0x5c) {
      if (i >= n) return -1;
      const e = b[i++]!;
      if (e === 0x75) {
        if (i + 4 > n) return -1;
        for (let k = 0; k < 4; k++) if (HEX[b[i++]!] !== 1) return -1;
      } else if (e !== 0x22 && e !== 0x5c && e !== 0x2f && e !== 0x62 && e !== 0x66 && e !== 0x6e && e !== 0x72 && e !== 0x74) {
        return -1;
      }
    } else if (c < 0x20) {
      return -1;
    }
  }
  return -1;
}

function digits(): boolean {
  const start = i;
  while (i < n && b[i]! >= 0x30 && b[i]! <= 0x39) i++;
  return i > start;
}

function num(): boolean {
  if (b[i] === 0x2d) i++;
  if (i >= n) return false;
  if (b[i] === 0x30) i++;
  else if (!digits()) return false;
  if (i < n && b[i] === 0x2e) {
    i++;
    if (!digits()) return false;
  }
  if (i < n && (b[i]! | 0x20) === 0x65) {
    i++;
    if (i < n && (b[i] === 0x2b || b[i] === 0x2d)) i++;
    if (!digits()) return false;
  }
  return true;
}

function word(w: string): boolean {
  if (i + w.length > n || !bytesAre(i, i + w.length, w)) return false;
  i += w.length;
  return true;
}

function value(depth: number): boolean {
  if (i >= n) return false;
  const c = b[i]!;
  if (c === QUOTE) return str() >= 0;
  if (c === OPEN_OBJECT) return members(depth + 1, skip);
  if (c === OPEN_ARRAY) return items(depth + 1, value);
  if (c === 0x74) return word('true');
  if (c === 0x66) return word('false');
  if (c === 0x6e) return word('null');
  return num();
}

/** A member's value; returns false to stop the scan. */
type Member = (keyStart: number, keyEnd: number, depth: number) => boolean;
const skip: Member = (_s, _e, depth) => value(depth);

/**
 * At a `{`: each member's value is read by `member`, given where its key is.
 * Keys with escapes stop the scan, so `member` compares plain bytes.
 */
function members(depth: number, member: Member): boolean {
  if (depth > MAX_DEPTH) return false;
  i++;
  ws();
  if (i < n && b[i] === CLOSE_OBJECT) {
    i++;
    return true;
  }
  for (;;) {
    if (i >= n || b[i] !== QUOTE) return false;
    const keyStart = i + 1;
    if (str() !== 0) return false;
    const keyEnd = i - 1;
    ws();
    if (i >= n || b[i] !== COLON) return false;
    i++;
    ws();
    if (!member(keyStart, keyEnd, depth)) return false;
    ws();
    if (i >= n) return false;
    const c = b[i++];
    if (c === CLOSE_OBJECT) return true;
    if (c !== COMMA) return false;
    ws();
  }
}

/** At a `[`: each item is read by `item`. */
function items(depth: number, item: (depth: number) => boolean): boolean {
  if (depth > MAX_DEPTH) return false;
  i++;
  ws();
  if (i < n && b[i] === CLOSE_ARRAY) {
    i++;
    return true;
  }
  for (;;) {
    if (!item(depth)) return false;
    ws();
    if (i >= n) return false;
    const c = b[i++];
    if (c === CLOSE_ARRAY) return true;
    if (c !== COMMA) return false;
    ws();
  }
}

function bytesAre(start: number, end: number, w: string): boolean {
  if (end - start !== w.length) return false;
  for (let k = 0; k < w.length; k++) if (b[start + k] !== w.charCodeAt(k)) return false;
  return true;
}

const isString = (): boolean => i < n && b[i] === QUOTE && str() >= 0;
const isNonEmptyString = (): boolean => i + 1 < n && b[i] === QUOTE && b[i + 1] !== QUOTE && str() >= 0;
const isArray = (depth: number): boolean => i < n && b[i] === OPEN_ARRAY && items(depth + 1, value);

// Keys read for the shape are counted: a repeated one (JSON.parse keeps the last) is left to JSON.parse.
let seen = 0;
const OBJECT_KEY = 1;
const ENTRY_KEY = 2;
const EVENT_KEY = 4;
const DATA_KEY = 8;

function once(flag: number): boolean {
  if ((seen & flag) !== 0) return false;
  seen |= flag;
  return true;
}

// One entry of a Cloud API envelope: an object with a `changes` array.
let entryHasChanges = false;
const entryMember: Member = (s, e, depth) => {
  if (!bytesAre(s, e, 'changes')) return value(depth);
  if (entryHasChanges) return false;
  entryHasChanges = true;
  return isArray(depth);
};
const entry = (depth: number): boolean => {
  if (i >= n || b[i] !== OPEN_OBJECT) return false;
  entryHasChanges = false;
  return members(depth + 1, entryMember) && entryHasChanges;
};

const cloudApiMember: Member = (s, e, depth) => {
  if (bytesAre(s, e, 'object')) return once(OBJECT_KEY) && isString();
  if (bytesAre(s, e, 'entry')) return once(ENTRY_KEY) && i < n && b[i] === OPEN_ARRAY && items(depth + 1, entry);
  return value(depth);
};

const wasenderMember: Member = (s, e, depth) => {
  if (bytesAre(s, e, 'event')) return once(EVENT_KEY) && isNonEmptyString();
  if (bytesAre(s, e, 'data')) return once(DATA_KEY) && value(depth);
  return value(depth);
};

/**
 * True only when `body` is certainly a JSON envelope of `provider` (see the
 * module's comment); false means "ask JSON.parse".
 *
 * @example
 * isEnvelopeCertainly('cloud_api', Buffer.from('{"object":"x","entry":[{"changes":[]}]}')) // true
 */
export function isEnvelopeCertainly(provider: Provider, body: Uint8Array): boolean {
  b = body;
  i = 0;
  n = body.length;
  seen = 0;
  try {
    ws();
    if (i >= n || b[i] !== OPEN_OBJECT) return false;
    const cloud = provider === 'cloud_api';
    if (!members(1, cloud ? cloudApiMember : wasenderMember)) return false;
    ws();
    const required = cloud ? OBJECT_KEY | ENTRY_KEY : EVENT_KEY | DATA_KEY;
    return i === n && (seen & required) === required;
  } finally {
    // The body is not kept alive by the module.
    b = EMPTY;
  }
}
