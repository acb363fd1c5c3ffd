/**
 * The receiving function's cold start counted in instructions rather than
 * milliseconds: valgrind's callgrind counts every instruction a fresh node
 * process runs from its start to the answer of its first event (the runner
 * ends itself there), the same bundles and events as bench/lambda.ts. The
 * clock on a shared machine moves by a third within hours; these counts
 * repeat within a fraction of a percent, so a change of a few percent shows.
 *
 *   npm run bench:lambda-instructions -- --runs 3
 *
 * Needs valgrind (`apt-get install -y valgrind`). Prints the median of
 * `--runs` counts per handler, in millions, and each one's ratio to the bare
 * handler; writes nothing. `--lambda-memory 512` starts every node with the
 * V8 flags Lambda's Node.js bootstrap sets for that memory size, and makes
 * wahook's code cache under them, as `build-lambda` does for the runtime.
 */
import { execFile, spawn } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { startSqsDouble } from '../test/helpers/sqs-double.js';
import { lambdaNodeFlags } from '../src/entry/cli/code-cache.js';
import { prepareLambdaBundles, type Handler } from './lambda-setup.js';
import { arg, hasFlag, median, printTable } from './lib.js';

const run = promisify(execFile);
const runs = arg('runs', 3);
const lambdaMemory = arg('lambda-memory', 0);
const nodeFlags = lambdaMemory > 0 ? lambdaNodeFlags(lambdaMemory) : [];

// Ends the process at its first answer: what comes after (exit, teardown) is the same for every handler and no part of a cold start.
const RUNNER = `import { readFileSync } from 'node:fs';
const event = JSON.parse(readFileSync('./event.json', 'utf8'));
const { handler } = await import('./index.mjs');
const first = await handler(event, { getRemainingTimeInMillis: () => 30000 });
if (first.statusCode !== 200) process.exit(3);
process.kill(process.pid, 'SIGKILL');
`;

/**
 * Instructions of one cold start. V8 draws a random hash seed at every
 * start; the instructions spent drawing it (detail::sprp) vary from start
 * to start and belong to no handler, so they are left out.
 */
async function count(dir: string, env: Record<string, string>, out: string): Promise<number> {
  await new Promise<void>((resolve, reject) => {
    const child = spawn('valgrind', ['--tool=callgrind', '--smc-check=all-non-file', `--callgrind-out-file=${out}`, process.execPath, ...nodeFlags, 'runner.mjs'], { cwd: dir, env: { PATH: process.env.PATH ?? '', ...env }, stdio: 'ignore' });
    child.on('error', reject);
    // The runner ends itself with SIGKILL at its first answer; any other end is a failed run.
    child.on('exit', (code, signal) => (signal === 'SIGKILL' || code === 137 ? resolve() : reject(new Error(`${dir}: exit ${code ?? signal}`))));
  });
  const { stdout } = await run('callgrind_annotate', ['--inclusive=yes', '--threshold=100', out], { maxBuffer: 64 * 1024 * 1024 });
  const lines = stdout.split('\n');
  const number = (line: string | undefined): number => Number((line ?? '').trim().split(/\s+/)[0]!.replace(/,/g, '')) || 0;
  return number(lines.find((l) => l.includes('PROGRAM TOTALS'))) - number(lines.find((l) => l.includes('detail::sprp')));
}

async function main(): Promise<void> {
  try {
    await run('valgrind', ['--version']);
  } catch {
    throw new Error('valgrind is not installed: apt-get install -y valgrind');
  }
  const sqs = await startSqsDouble({ maxMessageBytes: 262_144 });
  const work = mkdtempSync(join(tmpdir(), 'wahook-bench-lambda-instructions-'));
  try {
    const { dirs, env } = await prepareLambdaBundles(work, sqs.endpoint, sqs.createQueue('bench'), RUNNER, lambdaMemory > 0 ? lambdaMemory : undefined);
    const names: Handler[] = ['bare', 'floor', 'wahook', 'uncached'];
    const counts: Record<string, number[]> = {};
    for (let i = 0; i < runs; i++) {
      for (const name of names) (counts[name] ??= []).push(await count(dirs[name], env[name], join(work, `${name}.${i}.out`)));
      sqs.messages('bench');
    }
    const bare = median(counts.bare!);
    const rows = names.map((name) => ({ handler: name, 'instructions (M)': Math.round(median(counts[name]!) / 1e5) / 10, 'x bare': Math.round((median(counts[name]!) / bare) * 1000) / 1000, runs: counts[name]!.map((c) => (c / 1e6).toFixed(1)).join(' ') }));
    if (hasFlag('json')) process.stdout.write(`${JSON.stringify(rows)}\n`);
    printTable(`cold start to the first answer, in instructions (median)${lambdaMemory > 0 ? `, node started as Lambda starts it for ${lambdaMemory} MB: ${nodeFlags.join(' ')}` : ''}`, rows);
  } finally {
    await sqs.close();
    rmSync(work, { recursive: true, force: true });
  }
}

await main();
