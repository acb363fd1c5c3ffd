import assert from 'node:assert/strict';

/** Every expected id appears exactly once among `seen`, and nothing else does. */
export function assertOncePerMessage(expected: readonly string[], seen: readonly string[], what: string): void {
  const counts = new Map<string, number>();
  for (const id of seen) counts.set(id, (counts.get(id) ?? 0) + 1);
  const twice = [...counts].filter(([, n]) => n > 1).map(([id]) => id);
  assert.deepEqual(twice, [], `${what} seen more than once`);
  const missing = expected.filter((id) => !counts.has(id));
  assert.deepEqual(missing, [], `${what} missing`);
  assert.equal(counts.size, new Set(expected).size, `${what}: ${counts.size} distinct, ${new Set(expected).size} expected`);
}

/**
 * A handler that appends `+ <pid> <id>` when it starts and `- <pid> <id>`
 * when it ends: no id may start again while it runs. A run of a process
 * that was killed never ends; processes run one after the other, so a new
 * pid means the runs of the earlier ones are over.
 */
export function assertNeverConcurrent(lines: readonly string[]): void {
  const running = new Map<string, string>();
  let pid = '';
  for (const line of lines) {
    const [sign, p, id] = line.split(' ') as [string, string, string];
    if (p !== pid) {
      for (const [k, owner] of running) if (owner !== p) running.delete(k);
      pid = p;
    }
    if (sign === '+') {
      assert.ok(!running.has(id), `${id} started again while it was running`);
      running.set(id, p);
    } else {
      running.delete(id);
    }
  }
}
