import assert from 'node:assert/strict';
import { test } from 'node:test';
import { enginesToTest } from './lib.js';
import { workerCrash } from './worker-crash.js';

// The short forms: the full ones are run by hand, see RELIABILITY.md.

for (const { engine, skip } of await enginesToTest()) {
  test(`${engine}: a worker killed with SIGKILL mid-backlog loses nothing and duplicates no event`, { skip }, async () => {
    const r = await workerCrash({ engine, deliveries: 300, killAfter: 100 });
    assert.ok(r.killedAt < 300, `killed at ${r.killedAt}`);
    assert.equal(r.restartExitCode, 0);
    assert.equal(r.events, 1200);
    assert.equal(r.distinctEventKeys, 1200);
    assert.equal(r.messagesRead, 300);
    assert.equal(r.handledMessages, 300, 'every message handled at least once');
  });
}
