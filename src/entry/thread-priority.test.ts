import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { platform } from 'node:os';
import { test } from 'node:test';
import { Worker } from 'node:worker_threads';

// Field 41 of /proc/<tid>/stat is the scheduling policy (0 normal, 5 SCHED_IDLE); field 19 is nice.
const schedOf = (stat: string): { policy: number; nice: number } => {
  const f = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
  return { policy: Number(f[38]), nice: Number(f[16]) };
};

test('runAsBackground lowers only the calling thread, never the edge', { skip: platform() !== 'linux' }, async () => {
  const code = `
    const { parentPort } = require('node:worker_threads');
    const { readFileSync } = require('node:fs');
    import(${JSON.stringify(new URL('./thread-priority.js', import.meta.url).href)}).then(({ runAsBackground }) => {
      const r = runAsBackground();
      parentPort.postMessage({ r, stat: readFileSync('/proc/thread-self/stat', 'utf8') });
    });`;
  const w = new Worker(code, { eval: true });
  const { r, stat } = await new Promise<{ r: { cpu: string; io: string }; stat: string }>((resolve, reject) => {
    w.once('message', resolve);
    w.once('error', reject);
  });
  await w.terminate();
  const worker = schedOf(stat);
  assert.notEqual(r.cpu, 'normal'); // lowering a priority is always permitted
  if (r.cpu === 'idle') assert.equal(worker.policy, 5);
  else if (r.cpu === 'nice') assert.equal(worker.nice, 10);
  const main = schedOf(readFileSync('/proc/thread-self/stat', 'utf8'));
  assert.equal(main.policy, 0);
  assert.equal(main.nice, 0);
});
