import assert from 'node:assert/strict';
import { readdirSync, readFileSync, statSync } from 'node:fs';
import { dirname, join, relative, resolve, sep } from 'node:path';
import { test } from 'node:test';
import { projectRoot } from './helpers/fixtures.js';

const root = projectRoot();
const src = join(root, 'src');

function sources(dir: string, out: string[] = []): string[] {
  for (const name of readdirSync(dir)) {
    const p = join(dir, name);
    if (statSync(p).isDirectory()) sources(p, out);
    else if (name.endsWith('.ts') && !name.endsWith('.d.ts')) out.push(p);
  }
  return out;
}

/** Relative imports of a file (static, dynamic and type-only), as paths under src/ with `/` separators. */
export function importsOf(file: string, text = readFileSync(file, 'utf8')): string[] {
  const specs = [...text.matchAll(/(?:\bfrom\s*|\bimport\s*\(\s*|\bimport\s+)['"]([^'"]+)['"]/g)].map((m) => m[1]!);
  return specs.filter((s) => s.startsWith('.')).map((s) => relative(src, resolve(dirname(file), s)).split(sep).join('/'));
}

const under = (path: string, dir: string): boolean => path === dir || path.startsWith(`${dir}/`);

/** The layering rules; a broken rule names the file and the import. */
export function violations(files: readonly { file: string; imports: readonly string[] }[]): string[] {
  const out: string[] = [];
  for (const { file, imports } of files) {
    // A test beside its code may reach the shared test helpers and contract suites.
    const isTest = file.endsWith('.test.ts');
    for (const imp of imports) {
      if (isTest && imp.startsWith('../test/')) continue;
      const bad = (why: string): void => void out.push(`${file} imports ${imp}: ${why}`);
      const adapter = under(imp, 'adapters');
      const entry = under(imp, 'entry');
      // A core test may use fixtures from elsewhere; the code it tests may not.
      if (under(file, 'core') && !under(imp, 'core') && !isTest) bad('src/core/ imports nothing outside src/core/');
      else if (under(file, 'ports') && (adapter || entry)) bad('ports never import an adapter or an entry point');
      else if (['pipeline', 'telemetry', 'planner', 'dashboard', 'edge'].some((d) => under(file, d)) && (adapter || entry)) bad('this layer receives ports; it never imports an adapter or an entry point');
      else if (adapter && !under(file, 'adapters') && file !== 'compose.ts') bad('only src/adapters/ and the composition root (src/compose.ts) import an adapter');
    }
  }
  return out;
}

/**
 * Files outside src/ that may import an adapter, each with why. Everything
 * else in test/ and bench/ (the e2e tests, the contract suites, the
 * benchmarks) reaches engines through the composition root, as the CLI does.
 */
export const ADAPTER_IMPORTS_OUTSIDE_SRC: Readonly<Record<string, string>> = {
  'test/helpers/dynamo-engine.ts': 'makes the tables that deploy/lambda/template.yaml makes in an account, and engines on them for the DynamoDB contract suites',
  'test/helpers/redis-queue.ts': 'a Redis queue with a takeover time short enough for a test; the takeover time is not a config key',
  'bench/writer.ts': 'measures the SQLite delivery writer itself, below the ports',
  'bench/index-drain.ts': 'measures the SQLite dedupe index\'s idle step itself, below the ports',
};

/** The rule for test/ and bench/: no adapter imports but the listed ones; a listed file that no longer needs it is named too. */
export function outsideViolations(files: readonly { file: string; imports: readonly string[] }[], allowed: Readonly<Record<string, string>>): string[] {
  const out: string[] = [];
  for (const { file, imports } of files) {
    const adapters = imports.filter((imp) => under(imp, 'adapters'));
    if (adapters.length > 0 && allowed[file] === undefined) out.push(...adapters.map((imp) => `${file} imports ${imp}: tests and benchmarks reach engines through src/compose.ts`));
    if (adapters.length === 0 && allowed[file] !== undefined) out.push(`${file} is allowed to import an adapter but no longer does: drop it from the list`);
  }
  return out;
}

test('imports follow the layers: core is pure, ports and layers never reach adapters or entry points, only compose.ts picks engines', () => {
  const files = sources(src).map((f) => ({ file: relative(src, f).split(sep).join('/'), imports: importsOf(f) }));
  assert.ok(files.length > 50, 'the sources were found');
  assert.deepEqual(violations(files), []);
});

test('tests and benchmarks reach engines through the composition root, but for the few listed adapter-level helpers', () => {
  const files = ['test', 'bench'].flatMap((d) => sources(join(root, d))).map((f) => ({ file: relative(root, f).split(sep).join('/'), imports: importsOf(f) }));
  assert.ok(files.some((f) => f.file.startsWith('test/e2e/')) && files.some((f) => f.file.startsWith('bench/')), 'the test and bench sources were found');
  assert.deepEqual(outsideViolations(files, ADAPTER_IMPORTS_OUTSIDE_SRC), []);
  const planted = [
    { file: 'test/e2e/x.test.ts', imports: ['adapters/sqlite/delivery-store.js', 'compose.js'] },
    { file: 'bench/y.ts', imports: ['compose.js'] },
    { file: 'bench/z.ts', imports: ['adapters/sqlite/delivery-writer.js'] },
    { file: 'test/helpers/w.ts', imports: ['ports/engine.js'] },
  ];
  assert.deepEqual(outsideViolations(planted, { 'bench/z.ts': 'why', 'test/helpers/w.ts': 'why' }), [
    'test/e2e/x.test.ts imports adapters/sqlite/delivery-store.js: tests and benchmarks reach engines through src/compose.ts',
    'test/helpers/w.ts is allowed to import an adapter but no longer does: drop it from the list',
  ]);
});

test('the boundary check catches each kind of violation', () => {
  const planted = [
    { file: 'core/x.ts', imports: ['config/load.js'] },
    { file: 'ports/x.ts', imports: ['adapters/sqlite/index.js'] },
    { file: 'pipeline/x.ts', imports: ['entry/server.js'] },
    { file: 'dashboard/x.ts', imports: ['adapters/sqlite/event-query.js'] },
    { file: 'entry/cli/x.ts', imports: ['adapters/sqlite/delivery-log.js'] },
    { file: 'compose.ts', imports: ['adapters/sqlite/index.js'] },
    { file: 'adapters/sqlite/x.ts', imports: ['adapters/sqlite/open.js', 'core/errors.js'] },
  ];
  assert.equal(violations(planted).length, 5);
  const text = "import a from './a.js';\nimport type { B } from '../ports/b.js';\nconst c = await import('../adapters/sqlite/c.js');\nimport './side.js';\nimport x from 'node:fs';";
  assert.deepEqual(importsOf(join(src, 'entry', 'f.ts'), text), ['entry/a.js', 'ports/b.js', 'adapters/sqlite/c.js', 'entry/side.js']);
});
