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
 * Loads an unpacked function in a fresh node process, far from any
 * node_modules (so the bundle must carry everything it needs), invokes its
 * handler once with `event` and returns what it answered.
 */
export function invokeUnpacked(dir: string, event: unknown, env: Record<string, string>, timeoutMs = 30_000): Promise<unknown> {
  writeFileSync(join(dir, 'event.json'), JSON.stringify(event));
  writeFileSync(join(dir, 'invoke.mjs'), "import { readFileSync } from 'node:fs';\nconst { handler } = await import('./index.mjs');\nconst r = await handler(JSON.parse(readFileSync('./event.json', 'utf8')), { getRemainingTimeInMillis: () => 30000 });\nprocess.stdout.write('RESULT ' + JSON.stringify(r) + '\\n');\n");
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, ['invoke.mjs'], { cwd: dir, env: { PATH: process.env.PATH ?? '', ...env }, stdio: ['ignore', 'pipe', 'pipe'] });
    let out = '';
    let err = '';
    child.stdout.on('data', (d: Buffer) => (out += d.toString()));
    child.stderr.on('data', (d: Buffer) => (err += d.toString()));
    const timer = setTimeout(() => child.kill('SIGKILL'), timeoutMs);
    child.on('exit', (code) => {
      clearTimeout(timer);
      const line = out.split('\n').find((l) => l.startsWith('RESULT '));
      if (code === 0 && line) resolve(JSON.parse(line.slice(7)));
      else reject(new Error(`exit ${code}: ${out}\n${err}`));
    });
  });
}
