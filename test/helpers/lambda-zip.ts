import { execFileSync, spawn } from 'node:child_process';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

/** Unpacks a zip with the system's own tools (unzip, else Python's zipfile), so the archive is checked by a reader other than its writer. */
export function unpack(zipPath: string): string {
  const dir = mkdtempSync(join(tmpdir(), 'wahook-unzipped-'));
  try {
    execFileSync('unzip', ['-q', zipPath, '-d', dir]);
  } catch {
    execFileSync('python3', ['-m', 'zipfile', '-e', zipPath, dir]);
  }
  return dir;
}

/**
 * Loads an unpacked function in a fresh node process (started with
 * `nodeArgs`), far from any node_modules (so the bundle must carry
 * everything it needs), invokes its handler once with `event` and returns
 * what it answered and the lines it logged.
 */
export function runUnpacked(dir: string, event: unknown, env: Record<string, string>, o: { timeoutMs?: number; nodeArgs?: readonly string[] } = {}): Promise<{ result: unknown; logged: string[] }> {
  writeFileSync(join(dir, 'event.json'), JSON.stringify(event));
  writeFileSync(join(dir, 'invoke.mjs'), "import { readFileSync } from 'node:fs';\nconst { handler } = await import('./index.mjs');\nconst r = await handler(JSON.parse(readFileSync('./event.json', 'utf8')), { getRemainingTimeInMillis: () => 30000 });\nprocess.stdout.write('RESULT ' + JSON.stringify(r) + '\\n');\n");
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [...(o.nodeArgs ?? []), 'invoke.mjs'], { cwd: dir, env: { PATH: process.env.PATH ?? '', ...env }, stdio: ['ignore', 'pipe', 'pipe'] });
    let out = '';
    let err = '';
    child.stdout.on('data', (d: Buffer) => (out += d.toString()));
    child.stderr.on('data', (d: Buffer) => (err += d.toString()));
    const timer = setTimeout(() => child.kill('SIGKILL'), o.timeoutMs ?? 30_000);
    child.on('exit', (code) => {
      clearTimeout(timer);
      const lines = out.split('\n').filter((l) => l !== '');
      const line = lines.find((l) => l.startsWith('RESULT '));
      if (code === 0 && line) resolve({ result: JSON.parse(line.slice(7)), logged: lines.filter((l) => l !== line) });
      else reject(new Error(`exit ${code}: ${out}\n${err}`));
    });
  });
}

/** {@link runUnpacked}'s answer alone. */
export async function invokeUnpacked(dir: string, event: unknown, env: Record<string, string>, timeoutMs = 30_000): Promise<unknown> {
  return (await runUnpacked(dir, event, env, { timeoutMs })).result;
}
