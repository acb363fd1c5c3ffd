/**
 * A function's code, compiled once at build time. Most of what wahook adds
 * to a cold start is V8 compiling the bundle: parsing it at load, then
 * parsing and compiling each function again on its first call. V8 can
 * serialise what it compiled (a code cache) and take it back in a later
 * process instead of compiling, but Node 20 offers that only for scripts,
 * not ES modules. So the bundle's entry is turned into a script
 * (`main.js`), run once at build time through a few deliveries so that the
 * functions a cold start calls are compiled, and V8's cache of it is
 * written beside it (`main.cache`). A small ES module (`index.mjs`) loads
 * the script with the cache, and re-exports what the lazy chunks import
 * from it, so every module still has one instance.
 *
 * V8 takes a cache only from its own version, run with the same V8 flags,
 * and otherwise compiles as it would have; the loader then logs one line.
 * It checks the source only by its length: `main.js` and `main.cache` are
 * made together and shipped together, never one without the other.
 */

export const MAIN_SCRIPT = 'main.js';
export const MAIN_CACHE = 'main.cache';
/** The loader's export through which the build reaches the script it primed. */
export const PRIMED_SCRIPT_EXPORT = '__wahookMainScript';

const EXPORT_CLAUSE = /export\s*\{([^}]*)\};?\s*$/;
const IDENTIFIER = /^[A-Za-z_$][\w$]*$/;
// What esbuild writes for a dynamic import: a chunk of the bundle or one of Node's built-ins, by a literal.
const DYNAMIC_IMPORT = /\bimport\((?=(["'])(?:\.\/|node:)[^"']+\1\))/g;

export interface CachedScript {
  /** The entry as a script: an async function of (import, import.meta.url) that returns the entry's exports. */
  readonly main: string;
  /** The ES module Lambda loads (`index.mjs`). */
  readonly loader: string;
}

/**
 * The entry module as a script, and its loader; null when the module is
 * not of the shape esbuild writes here (its exports in one clause at the
 * end, no other import or export statement, `import.meta` only for its
 * URL, dynamic imports only of literals), which the build then ships as it is.
 */
export function toCachedScript(module: string): CachedScript | null {
  const clause = EXPORT_CLAUSE.exec(module);
  if (clause === null) return null;
  const exports: [local: string, exported: string][] = [];
  for (const part of clause[1]!.split(',')) {
    const [local, exported = local] = part.trim().split(/\s+as\s+/);
    if (!IDENTIFIER.test(local!) || !IDENTIFIER.test(exported!)) return null;
    exports.push([local!, exported!]);
  }
  if (!exports.some(([, e]) => e === 'handler')) return null;
  const body = module.slice(0, clause.index).replaceAll('import.meta.url', '__wahookMetaUrl').replace(DYNAMIC_IMPORT, '__wahookImport(');
  // Anything left that only a module may hold (a static import or export, other import.meta, a computed import) keeps the module as it is.
  if (/\bimport\s*["'{*(.]|\bimport\s+\w|\bexport\s*[{*]|\bexport\s+(?:const|let|var|function|class|default)\b/.test(body)) return null;
  const main = `(async function(__wahookImport,__wahookMetaUrl){"use strict";${body}\nreturn{${exports.map(([l, e]) => `${e}:${l}`).join(',')}}})`;
  return { main, loader: loaderSource(exports.map(([, e]) => e)) };
}

/**
 * The loader: Node's modules from process.getBuiltinModule (their ESM
 * facades would load more than it uses), the two files read together, the
 * script compiled with the cache when there is one, and the entry's
 * exports re-exported by name.
 */
function loaderSource(exported: readonly string[]): string {
  return [
    '// Loads main.js with the V8 code cache made for it at build time (main.cache); see `wahook build-lambda`.',
    "const builtin=(id)=>process.getBuiltinModule?process.getBuiltinModule(id):import(id);",
    // fs/promises: the module loader has already run its readFile, which readFileSync's first call would compile.
    "const{readFile}=await builtin('node:fs/promises');const{Script}=await builtin('node:vm');",
    "const dir=import.meta.dirname??decodeURIComponent(new URL('.',import.meta.url).pathname);",
    `const[cachedData,source]=await Promise.all([readFile(dir+'/${MAIN_CACHE}').catch(()=>undefined),readFile(dir+'/${MAIN_SCRIPT}','utf8')]);`,
    // One name wherever the function runs: V8 (Node 20's at least) keeps the name a script had when its cache was
    // made, so a name with the build's own directory in it would show in every stack trace of a deployed function.
    `const script=new Script(source,{filename:'${MAIN_SCRIPT}',cachedData});`,
    "if(cachedData!==undefined&&script.cachedDataRejected)process.stdout.write(JSON.stringify({level:'warn',msg:'code cache not used: it was built by another Node version or with other V8 flags, so this cold start compiles the code',node:process.version,arch:process.arch})+'\\n');",
    'const m=await script.runInThisContext()((id)=>import(id),import.meta.url);',
    `export const ${exported.map((e) => `${e}=m.${e}`).join(',')};`,
    `export{script as ${PRIMED_SCRIPT_EXPORT}};`,
    '',
  ].join('\n');
}

/**
 * The V8 flags AWS Lambda's Node.js runtime starts node with for a given
 * memory size (its bootstrap script: a tenth of the memory as new space,
 * half of that per semi-space, the rest as old space, and --expose-gc).
 * A cache is only taken under the same flags, so it is primed under these.
 */
export function lambdaNodeFlags(memoryMb: number): string[] {
  const newSpace = Math.floor(memoryMb / 10);
  return ['--expose-gc', `--max-semi-space-size=${Math.floor(newSpace / 2)}`, `--max-old-space-size=${memoryMb - newSpace}`];
}
