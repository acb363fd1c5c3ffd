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
 * when it ends: no id may start again while it runs, in any process. A
 * process killed mid-run never ends its runs; the test appends `x <pid>`
 * once it has reaped it, which ends them.
 */
export function assertNeverConcurrent(lines: readonly string[]): void {
  const running = new Map<string, string>();
  for (const line of lines) {
    const [sign, pid, id] = line.split(' ') as [string, string, string | undefined];
    if (sign === 'x') {
      for (const [k, owner] of running) if (owner === pid) running.delete(k);
    } else if (sign === '+') {
      assert.ok(!running.has(id!), `${id} started in ${pid} while it was running in ${running.get(id!)}`);
      running.set(id!, pid);
    } else {
      running.delete(id!);
    }
  }
}

/** The source of a handlers module that logs each message run for assertNeverConcurrent. */
export function recordingHandlers(logPath: string): string {
  return `
    import { appendFileSync } from 'node:fs';
    export async function message(event) {
      appendFileSync(${JSON.stringify(logPath)}, '+ ' + process.pid + ' ' + event.messageId + '\\n');
      await new Promise((r) => setTimeout(r, 1));
      appendFileSync(${JSON.stringify(logPath)}, '- ' + process.pid + ' ' + event.messageId + '\\n');
    }
  `;
}
