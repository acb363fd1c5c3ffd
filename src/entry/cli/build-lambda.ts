import { mkdirSync, writeFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { GatewayError } from '../../core/errors.js';
import { stringFlag, type ParsedArgs } from './args.js';
import { zip, type ZipEntry } from './zip.js';

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

/** ESM bundles of CommonJS dependencies still call require() for Node's built-ins. */
const REQUIRE_SHIM = "import{createRequire as __wahookRequire}from'node:module';const require=__wahookRequire(import.meta.url);";

export interface BuiltFunction {
  readonly name: string;
  readonly zipPath: string;
  readonly zipBytes: number;
  readonly bundleBytes: number;
  /** The npm packages bundled in, by name. */
  readonly packages: readonly string[];
}

/** Bundles one module (minified, tree-shaken, only what it imports) into a single ESM file. */
async function bundle(esbuild: EsbuildModule, entry: string): Promise<{ code: Uint8Array; packages: string[] }> {
  const r = await esbuild.build({
    entryPoints: [entry], bundle: true, platform: 'node', target: 'node20', format: 'esm',
    minify: true, treeShaking: true, legalComments: 'none', write: false, outfile: 'index.mjs', metafile: true,
    banner: { js: REQUIRE_SHIM }, plugins: [leaveOut as never], logLevel: 'silent',
  });
  const packages = new Set<string>();
  for (const input of Object.keys(r.metafile.outputs['index.mjs']?.inputs ?? {})) {
    const m = /node_modules\/((@[^/]+\/)?[^/]+)/.exec(input.split('node_modules/').length > 1 ? input.slice(input.lastIndexOf('node_modules/')) : '');
    if (m) packages.add(m[1]!);
  }
  return { code: r.outputFiles[0]!.contents, packages: [...packages].sort() };
}

/**
 * Writes one deployable zip per function: `index.mjs` (handler `index.handler`),
 * plus the user's handlers module in the processing function's zip.
 * @example await buildLambda({ outDir: 'dist/lambda' }) // [{ name: 'receive', zipBytes: … }, …]
 */
export async function buildLambda(o: { outDir: string; handlers?: string }): Promise<BuiltFunction[]> {
  const esbuild = await loadEsbuild();
  mkdirSync(o.outDir, { recursive: true });
  const here = fileURLToPath(new URL('.', import.meta.url));
  const built: BuiltFunction[] = [];
  for (const f of FUNCTIONS) {
    const { code, packages } = await bundle(esbuild, join(here, f.entry));
    const entries: ZipEntry[] = [{ name: 'index.mjs', data: code }];
    if (f.name === 'process' && o.handlers !== undefined) entries.push({ name: 'handlers.mjs', data: (await bundle(esbuild, resolve(o.handlers))).code });
    const archive = zip(entries);
    if (archive.length > DIRECT_UPLOAD_LIMIT) throw new GatewayError('WAHOOK_ERR_CLI_USAGE', `wahook-${f.name}.zip is over Lambda's 50 MB direct upload limit`);
    const zipPath = join(o.outDir, `wahook-${f.name}.zip`);
    writeFileSync(zipPath, archive);
    built.push({ name: f.name, zipPath, zipBytes: archive.length, bundleBytes: code.byteLength, packages });
  }
  return built;
}

const kib = (n: number): string => `${(n / 1024).toFixed(1)} KiB`;

/** `wahook build-lambda [--out dir] [--handlers F]`: the zips and their sizes. */
export async function buildLambdaCommand(args: ParsedArgs, out: (s: string) => void): Promise<number> {
  const outDir = stringFlag(args.flags, 'out') ?? join('dist', 'lambda');
  const handlers = stringFlag(args.flags, 'handlers');
  const built = await buildLambda({ outDir, ...(handlers !== undefined ? { handlers } : {}) });
  for (const b of built) {
    const about = FUNCTIONS.find((f) => f.name === b.name)!.about;
    out(`${b.zipPath}  ${kib(b.zipBytes)} zipped (${kib(b.bundleBytes)} bundled)  ${about}\n`);
  }
  if (handlers !== undefined) out('The processing zip holds your handlers as handlers.mjs: set WAHOOK_HANDLERS=./handlers.mjs on the function.\n');
  return 0;
}
