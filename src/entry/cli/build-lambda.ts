import { mkdirSync, writeFileSync } from 'node:fs';
import { builtinModules, createRequire } from 'node:module';
import { basename, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { GatewayError } from '../../core/errors.js';
import { intFlag, stringFlag, type ParsedArgs } from './args.js';
import { lambdaNodeFlags, MAIN_CACHE, MAIN_SCRIPT, toCachedScript } from './code-cache.js';
import { primeCodeCache } from './prime-code-cache.js';
import { zip, type ZipEntry } from './zip.js';

const require = createRequire(import.meta.url);

/** The two functions and their bundle entries (compiled, beside this module's folder). */
export const FUNCTIONS = [
  { name: 'receive', entry: '../lambda/receive-main.js', about: 'receiveHandler: Function URL, API Gateway or ALB in; 200 once queued' },
  { name: 'process', entry: '../lambda/process-main.js', about: 'sqsHandler: SQS records in; events, statuses, handlers, forwarding' },
] as const;

/** Lambda's limit for a zip uploaded directly (larger ones go through S3); wahook's own target is far below it. */
const DIRECT_UPLOAD_LIMIT = 50 * 1024 * 1024;

type EsbuildModule = typeof import('esbuild');

async function loadEsbuild(): Promise<EsbuildModule> {
  try {
    return await import('esbuild');
  } catch {
    throw new GatewayError('WAHOOK_ERR_CLI_USAGE', 'build-lambda bundles with esbuild, which is not installed here: npm install --save-dev esbuild');
  }
}

/**
 * The native SQLite driver cannot load in a Lambda (and a Lambda keeps no
 * disk): its import is replaced by a stub, so the bundle loads and the
 * containers refuse a SQLite config with a clear error instead.
 */
const LEFT_OUT = ['better-sqlite3'];
const leaveOut = {
  name: 'leave-out',
  setup(build: { onResolve: Function; onLoad: Function }): void {
    build.onResolve({ filter: new RegExp(`^(${LEFT_OUT.join('|')})$`) }, (a: { path: string }) => ({ path: a.path, namespace: 'left-out' }));
    build.onLoad({ filter: /.*/, namespace: 'left-out' }, (a: { path: string }) => ({
      contents: `export default function leftOut() { throw new Error(${JSON.stringify(`${a.path} is not in the Lambda bundle: set WAHOOK_QUEUE_URL and a shared store`)}); }`,
      loader: 'js',
    }));
  },
};

/**
 * ESM bundles of CommonJS dependencies still call require() for Node's
 * built-ins. Only the lazily loaded packages do, so the require function is
 * made on the first call rather than while every cold start loads, and
 * node:module is not imported for it (its ESM facade reads every export,
 * which loads modules a cold start never uses). Node before 20.16 has no
 * process.getBuiltinModule and takes the import instead.
 */
const REQUIRE_SHIM = "const __wahookModule=process.getBuiltinModule?null:await import('node:module');let __wahookRequire;function require(id){return(__wahookRequire??=(__wahookModule??process.getBuiltinModule('node:module')).createRequire(import.meta.url))(id)}";

/**
 * Node's built-ins are taken from process.getBuiltinModule instead of
 * through their ESM facades: a facade reads every export when it is made,
 * and the getters behind some of them (crypto's webcrypto, buffer's File,
 * fs's streams) load whole modules that the receiving path never calls.
 * Each export is picked by a pure call, so the ones a bundle never uses are
 * shaken out and never read.
 */
const builtinFromProcess = {
  name: 'builtin-from-process',
  setup(build: { onResolve: Function; onLoad: Function }): void {
    const names = new Set(builtinModules);
    build.onResolve({ filter: /^(node:)?[a-z_/]+$/ }, (a: { path: string; kind: string }) => {
      const id = a.path.replace(/^node:/, '');
      if (!names.has(id)) return undefined;
      // A require() or a dynamic import() of a built-in stays as it is: it runs only on a path that needs it.
      return a.kind === 'import-statement' ? { path: `node:${id}`, namespace: 'builtin-from-process' } : { path: a.path, external: true };
    });
    build.onLoad({ filter: /.*/, namespace: 'builtin-from-process' }, (a: { path: string }) => ({
      contents: builtinModuleSource(a.path, Object.keys(require(a.path) as object)),
      loader: 'js',
    }));
  },
};

const IDENTIFIER = /^[A-Za-z_$][\w$]*$/;

function builtinModuleSource(id: string, exported: readonly string[]): string {
  const lines = [
    `const id = ${JSON.stringify(id)};`,
    // Through a variable, so that the bundler leaves this call to the require shim.
    'const m = process.getBuiltinModule ? process.getBuiltinModule(id) : require(id);',
    'const pick = (k) => m[k];',
    'export default m;',
  ];
  for (const k of exported) if (IDENTIFIER.test(k) && k !== 'default') lines.push(`export const ${k} = /* @__PURE__ */ pick(${JSON.stringify(k)});`);
  return lines.join('\n');
}

/**
 * wahook's own modules do nothing when imported but define things, so one
 * whose exports a function never uses is left out whole. Without this,
 * esbuild keeps the top-level statements it cannot prove pure (a `new Set`
 * of message types, a spread table) of every module an import chain
 * touches, and each cold start parses and runs them.
 */
/** The compiled sources' folder (this file is in its entry/cli). */
const ownRoot = fileURLToPath(new URL('../../', import.meta.url));

const ownModulesPure = (root: string) => ({
  name: 'own-modules-pure',
  setup(build: { onResolve: Function }): void {
    build.onResolve({ filter: /^\.\.?\// }, (a: { path: string; resolveDir: string; kind: string }) => {
      if (a.kind !== 'import-statement') return undefined;
      const path = resolve(a.resolveDir, a.path);
      return path.startsWith(root) ? { path, sideEffects: false } : undefined;
    });
  },
});

export interface BuiltFunction {
  readonly name: string;
  readonly zipPath: string;
  readonly zipBytes: number;
  /** Every file of the bundle: `index.mjs` and the chunks it may import later. */
  readonly bundleBytes: number;
  /** What a cold start loads: `index.mjs` alone, or with a code cache the loader, `main.js` and `main.cache`. */
  readonly entryBytes: number;
  /** The V8 code cache's size, 0 when the zip has none; `codeCacheNote` says why. */
  readonly codeCacheBytes: number;
  readonly codeCacheNote?: string;
  /** The files in the zip, by name. */
  readonly files: readonly string[];
  /** The npm packages bundled in, by name. */
  readonly packages: readonly string[];
  /** The npm packages in `index.mjs`, which every cold start loads. */
  readonly entryPackages: readonly string[];
}

interface Bundle {
  readonly files: ZipEntry[];
  readonly packages: string[];
  readonly entryPackages: string[];
}

function packagesOf(inputs: Record<string, unknown>): string[] {
  const packages = new Set<string>();
  for (const input of Object.keys(inputs)) {
    const at = input.lastIndexOf('node_modules/');
    const m = at < 0 ? null : /node_modules\/((@[^/]+\/)?[^/]+)/.exec(input.slice(at));
    if (m) packages.add(m[1]!);
  }
  return [...packages].sort();
}

/**
 * Bundles one module (minified, tree-shaken, only what it imports) into
 * ESM files: `index.mjs`, and a chunk for each dynamic import (the engines,
 * the S3 client of the claim check, SSM and Secrets Manager). A chunk is
 * read from disk only when its import runs, so what a path never needs
 * costs a cold start nothing.
 */
async function bundle(esbuild: EsbuildModule, entry: string, outName = 'index'): Promise<Bundle> {
  const r = await esbuild.build({
    entryPoints: { [outName]: entry }, bundle: true, platform: 'node', target: 'node20', format: 'esm', splitting: true,
    // ESM builds first: a chunk made of a CommonJS package would hand a dynamic import only its default export.
    mainFields: ['module', 'main'],
    outdir: 'out', outExtension: { '.js': '.mjs' }, chunkNames: `${outName}-[hash]`,
    minify: true, treeShaking: true, legalComments: 'none', write: false, metafile: true,
    banner: { js: REQUIRE_SHIM }, plugins: [leaveOut as never, ownModulesPure(ownRoot) as never], logLevel: 'silent',
  });
  const outputs = r.metafile.outputs;
  const files = await foldEntryChunks(esbuild, outName, outputs, new Map(r.outputFiles.map((f) => [basename(f.path), f.text])));
  return {
    files: [...files].map(([name, text]) => ({ name, data: Buffer.from(text) })),
    packages: packagesOf(Object.assign({}, ...Object.values(outputs).map((o) => o.inputs))),
    entryPackages: packagesOf(Object.assign({}, ...[`${outName}.mjs`, ...chunksLoadedWith(`out/${outName}.mjs`, outputs)].map((f) => outputs[`out/${f}`]?.inputs ?? {}))),
  };
}

type Outputs = Record<string, { imports: { path: string; kind: string }[]; exports: string[] }>;

/** The chunks the entry imports statically, directly or through each other: what a cold start loads besides it. */
function chunksLoadedWith(entry: string, outputs: Outputs): string[] {
  const seen = new Set<string>();
  const visit = (out: string): void => {
    for (const i of outputs[out]?.imports ?? []) {
      if (i.kind === 'import-statement' && i.path.startsWith('out/') && !seen.has(i.path)) {
        seen.add(i.path);
        visit(i.path);
      }
    }
  };
  visit(entry);
  return [...seen].map((p) => basename(p));
}

const exportPrefix = (chunk: string): string => `__${chunk.replace(/\W/g, '_')}_`;

/**
 * Splitting puts what the entry shares with a lazily imported chunk (the
 * error codes, the group commit) in small chunks of their own, and the
 * ESM loader resolves, reads and links each of them at every cold start.
 * They are folded into `index.mjs`, which re-exports what they export
 * under prefixed names; each one's file becomes a re-export of those, read
 * only when a lazy chunk that needs it loads, so every module still has
 * one instance.
 */
async function foldEntryChunks(esbuild: EsbuildModule, outName: string, outputs: Outputs, texts: Map<string, string>): Promise<Map<string, string>> {
  const entry = `${outName}.mjs`;
  const folded = chunksLoadedWith(`out/${entry}`, outputs);
  const reexports = folded.map((c) => {
    const names = outputs[`out/${c}`]!.exports;
    return `export { ${names.map((n) => `${n} as ${exportPrefix(c)}${n}`).join(', ')} } from './${c}';`;
  });
  const withoutShim = (name: string): string => texts.get(name)!.replace(REQUIRE_SHIM, '');
  const r = await esbuild.build({
    stdin: { contents: [`export * from './${entry}';`, ...reexports].join('\n'), resolveDir: '.', loader: 'js' },
    bundle: true, platform: 'node', target: 'node20', format: 'esm', minify: true, legalComments: 'none', write: false, logLevel: 'silent',
    banner: { js: REQUIRE_SHIM },
    plugins: [{
      name: 'bundle-outputs',
      setup(b) {
        b.onResolve({ filter: /^\.\/[^/]+\.mjs$/ }, (a) => (a.kind === 'dynamic-import' ? { path: a.path, external: true } : { path: a.path.slice(2), namespace: 'out' }));
        b.onLoad({ filter: /.*/, namespace: 'out' }, (a) => ({ contents: withoutShim(a.path), loader: 'js' }));
      },
    }, builtinFromProcess as never],
  });
  const out = new Map(texts);
  out.set(entry, r.outputFiles[0]!.text);
  for (const c of folded) {
    const names = outputs[`out/${c}`]!.exports;
    out.set(c, `export { ${names.map((n) => `${exportPrefix(c)}${n} as ${n}`).join(', ')} } from './${entry}';\n`);
  }
  return out;
}

/** The runtime the SAM template deploys; a code cache is only primed by a node that can stand in for it. */
export const LAMBDA_RUNTIME = { name: 'nodejs24.x', arch: 'arm64' } as const;
/** The receiving function's MemorySize in the SAM template: the V8 flags its runtime starts node with depend on it. */
const TEMPLATE_MEMORY_MB = 512;

/**
 * Whom the receiving function's code cache is made for: the Lambda runtime
 * (its Node version and architecture, and the V8 flags its bootstrap sets
 * for `memoryMb`), a plain `node` on this machine (what the benchmarks
 * start), or no one.
 */
export type CodeCacheTarget =
  | { readonly kind: 'lambda'; readonly memoryMb: number; readonly runtime: string; readonly arch: string }
  | { readonly kind: 'here' }
  | { readonly kind: 'off' };

const ARCH: Record<string, string> = { arm64: 'arm64', x86_64: 'x64' };

/** The flags to prime under, or why this machine cannot make a cache the target would take. */
function primingFlags(t: CodeCacheTarget): { flags: string[] } | { skipped: string } {
  if (t.kind === 'off') return { skipped: 'off (--code-cache off)' };
  if (t.kind === 'here') return { flags: [] };
  const major = /^nodejs(\d+)\.x$/.exec(t.runtime)?.[1];
  const here = `Node ${process.versions.node} on ${process.arch}`;
  if (major !== process.versions.node.split('.')[0] || ARCH[t.arch] !== process.arch) {
    return { skipped: `not made: ${t.runtime} on ${t.arch} takes no cache from ${here}; build on Node ${major ?? '?'} on ${t.arch} to get one` };
  }
  return { flags: lambdaNodeFlags(t.memoryMb) };
}

/**
 * The receiving function's entry as a script with its code cache beside
 * it (see code-cache.ts); the files unchanged, with a note, when no cache
 * can be made.
 */
async function withCodeCache(files: ZipEntry[], target: CodeCacheTarget): Promise<{ files: ZipEntry[]; bytes: number; note?: string }> {
  const how = primingFlags(target);
  if ('skipped' in how) return { files, bytes: 0, note: how.skipped };
  const script = toCachedScript(Buffer.from(files.find((f) => f.name === 'index.mjs')!.data).toString('utf8'));
  if (script === null) return { files, bytes: 0, note: 'not made: the entry is not of the shape the loader expects' };
  const scripted = [...files.filter((f) => f.name !== 'index.mjs'), { name: 'index.mjs', data: Buffer.from(script.loader) }, { name: MAIN_SCRIPT, data: Buffer.from(script.main) }];
  try {
    const cache = await primeCodeCache(new Map(scripted.map((f) => [f.name, f.data])), how.flags);
    return { files: [...scripted, { name: MAIN_CACHE, data: cache }], bytes: cache.length };
  } catch (e) {
    return { files, bytes: 0, note: `not made: ${(e as Error).message}` };
  }
}

/** This machine's own Node standing in for a Lambda runtime of the same major version and architecture, with `memoryMb`. */
export function lambdaTargetForThisNode(memoryMb: number): CodeCacheTarget {
  const arch = Object.keys(ARCH).find((a) => ARCH[a] === process.arch) ?? process.arch;
  return { kind: 'lambda', memoryMb, runtime: `nodejs${process.versions.node.split('.')[0]}.x`, arch };
}

const LOADED_AT_COLD_START = new Set(['index.mjs', MAIN_SCRIPT, MAIN_CACHE]);

/**
 * Writes one deployable zip per function: `index.mjs` (handler `index.handler`)
 * and its chunks, plus the user's handlers module in the processing function's zip,
 * and the receiving function's code cache for `codeCache` (the Lambda runtime by default).
 * @example await buildLambda({ outDir: 'dist/lambda' }) // [{ name: 'receive', zipBytes: … }, …]
 */
export async function buildLambda(o: { outDir: string; handlers?: string; codeCache?: CodeCacheTarget }): Promise<BuiltFunction[]> {
  const esbuild = await loadEsbuild();
  mkdirSync(o.outDir, { recursive: true });
  const here = fileURLToPath(new URL('.', import.meta.url));
  const target = o.codeCache ?? { kind: 'lambda', memoryMb: TEMPLATE_MEMORY_MB, runtime: LAMBDA_RUNTIME.name, arch: LAMBDA_RUNTIME.arch };
  const built: BuiltFunction[] = [];
  for (const f of FUNCTIONS) {
    const b = await bundle(esbuild, join(here, f.entry));
    // Only the receiving function answers a caller who waits; the processing function's cold start delays a queue.
    const cached = f.name === 'receive' ? await withCodeCache(b.files, target) : { files: b.files, bytes: 0 };
    const entries: ZipEntry[] = [...cached.files];
    if (f.name === 'process' && o.handlers !== undefined) entries.push(...(await bundle(esbuild, resolve(o.handlers), 'handlers')).files);
    const archive = zip(entries);
    if (archive.length > DIRECT_UPLOAD_LIMIT) throw new GatewayError('WAHOOK_ERR_CLI_USAGE', `wahook-${f.name}.zip is over Lambda's 50 MB direct upload limit`);
    const zipPath = join(o.outDir, `wahook-${f.name}.zip`);
    writeFileSync(zipPath, archive);
    const size = (files: readonly ZipEntry[]): number => files.reduce((n, e) => n + e.data.byteLength, 0);
    built.push({
      name: f.name, zipPath, zipBytes: archive.length, bundleBytes: size(cached.files), entryBytes: size(cached.files.filter((e) => LOADED_AT_COLD_START.has(e.name))),
      codeCacheBytes: cached.bytes, ...(cached.note !== undefined ? { codeCacheNote: cached.note } : {}),
      files: entries.map((e) => e.name), packages: b.packages, entryPackages: b.entryPackages,
    });
  }
  return built;
}

const kib = (n: number): string => `${(n / 1024).toFixed(1)} KiB`;

function codeCacheTarget(flags: ParsedArgs['flags']): CodeCacheTarget {
  const kind = stringFlag(flags, 'code-cache') ?? 'lambda';
  if (kind === 'off' || kind === 'here') return { kind };
  if (kind !== 'lambda') throw new GatewayError('WAHOOK_ERR_CLI_USAGE', `--code-cache expects lambda, here or off, not "${kind}"`);
  const memoryMb = intFlag(flags, 'memory', TEMPLATE_MEMORY_MB);
  if (memoryMb < 128 || memoryMb > 10_240) throw new GatewayError('WAHOOK_ERR_CLI_USAGE', '--memory expects the function\'s memory size in MB, 128 to 10240');
  const runtime = stringFlag(flags, 'runtime') ?? LAMBDA_RUNTIME.name;
  if (!/^nodejs\d+\.x$/.test(runtime)) throw new GatewayError('WAHOOK_ERR_CLI_USAGE', `--runtime expects a Lambda Node.js runtime such as ${LAMBDA_RUNTIME.name}, not "${runtime}"`);
  const arch = stringFlag(flags, 'arch') ?? LAMBDA_RUNTIME.arch;
  if (!(arch in ARCH)) throw new GatewayError('WAHOOK_ERR_CLI_USAGE', `--arch expects arm64 or x86_64, not "${arch}"`);
  return { kind, memoryMb, runtime, arch };
}

/** `wahook build-lambda [--out dir] [--handlers F] [--code-cache lambda|here|off] [--memory MB] [--runtime R] [--arch A]`: the zips and their sizes. */
export async function buildLambdaCommand(args: ParsedArgs, out: (s: string) => void): Promise<number> {
  const outDir = stringFlag(args.flags, 'out') ?? join('dist', 'lambda');
  const handlers = stringFlag(args.flags, 'handlers');
  const built = await buildLambda({ outDir, codeCache: codeCacheTarget(args.flags), ...(handlers !== undefined ? { handlers } : {}) });
  for (const b of built) {
    const about = FUNCTIONS.find((f) => f.name === b.name)!.about;
    out(`${b.zipPath}  ${kib(b.zipBytes)} zipped (${kib(b.entryBytes)} loaded at cold start, ${kib(b.bundleBytes)} in all)  ${about}\n`);
  }
  const receive = built[0]!;
  out(receive.codeCacheBytes > 0 ? `Code cache: ${kib(receive.codeCacheBytes)} in the receiving zip (main.cache)\n` : `Code cache: ${receive.codeCacheNote}\n`);
  if (handlers !== undefined) out('The processing zip holds your handlers as handlers.mjs: set WAHOOK_HANDLERS=./handlers.mjs on the function.\n');
  return 0;
}
