import assert from 'node:assert/strict';
import { EventEmitter } from 'node:events';
import { test } from 'node:test';
import { broadcast } from './cluster-telemetry.js';

/** A worker whose process died after isConnected() said yes: its send fails the way Node's does, by callback or else by an 'error' event. */
class BrokenPipeWorker extends EventEmitter {
  isConnected(): boolean {
    return true;
  }
  send(_m: unknown, _h?: unknown, _o?: unknown, cb?: (e: Error | null) => void): boolean {
    const err = Object.assign(new Error('write EPIPE'), { code: 'EPIPE' });
    process.nextTick(() => (cb ? cb(err) : this.emit('error', err)));
    return false;
  }
}

class LiveWorker {
  readonly got: unknown[] = [];
  isConnected(): boolean {
    return true;
  }
  send(m: unknown, _h?: unknown, _o?: unknown, cb?: (e: Error | null) => void): boolean {
    this.got.push(m);
    cb?.(null);
    return true;
  }
}

test('a receiving process killed while the primary sends the merged view neither crashes the primary nor starves the others', async () => {
  const dead = new BrokenPipeWorker();
  const live = new LiveWorker();
  const unhandled: unknown[] = [];
  // An 'error' event with no listener throws; catch it here so the test can report it instead of dying.
  const listen = (e: unknown): void => void unhandled.push(e);
  process.on('uncaughtException', listen);
  try {
    broadcast([dead as never, undefined, live as never], { view: 1 });
    await new Promise((r) => setImmediate(r));
  } finally {
    process.off('uncaughtException', listen);
  }
  assert.deepEqual(unhandled, []);
  assert.deepEqual(live.got, [{ view: 1 }]);
});
