import assert from 'node:assert/strict';
import { runInThisContext } from 'node:vm';
import { test } from 'node:test';
import { lambdaNodeFlags, PRIMED_SCRIPT_EXPORT, toCachedScript } from './code-cache.js';

type Main = (load: (id: string) => Promise<unknown>, metaUrl: string) => Promise<Record<string, unknown>>;

test('the entry becomes a script that returns its exports, imports through the loader and reads the loader\'s URL', async () => {
  const module = 'const u=import.meta.url;class A{}var h=async()=>(await import("./index-X.mjs")).v+(await import(\'node:os\')).k;export{A as __index_Y_a,h as handler,u as url};';
  const s = toCachedScript(module)!;
  const imported: string[] = [];
  const exports = await (runInThisContext(s.main) as Main)(async (id) => (imported.push(id), id === './index-X.mjs' ? { v: 1 } : { k: 2 }), 'file:///var/task/index.mjs');
  assert.deepEqual(Object.keys(exports), ['__index_Y_a', 'handler', 'url']);
  assert.equal(exports.url, 'file:///var/task/index.mjs');
  assert.equal(await (exports.handler as () => Promise<number>)(), 3);
  assert.deepEqual(imported, ['./index-X.mjs', 'node:os']);
  assert.match(s.loader, /export const __index_Y_a=m\.__index_Y_a,handler=m\.handler,url=m\.url;/);
  assert.ok(s.loader.includes(`export{script as ${PRIMED_SCRIPT_EXPORT}}`));
});

test('the script keeps the module\'s strict mode and its top-level await', async () => {
  const s = toCachedScript('const t=await Promise.resolve(7);var handler=()=>{try{undeclared=1;return"sloppy"}catch{return t}};export{handler};')!;
  const exports = await (runInThisContext(s.main) as Main)(async () => ({}), 'file:///x/index.mjs');
  assert.equal((exports.handler as () => unknown)(), 7);
});

test('an entry of another shape is left a module: no export clause at the end, no handler, or what only a module may hold', () => {
  for (const module of [
    'var handler=1;',
    'var h=1;export{h as other};',
    'import{x}from"./a.mjs";var handler=x;export{handler};',
    'import"./side.mjs";var handler=1;export{handler};',
    'var handler=1;export default handler;export{handler};',
    'var handler=()=>import(name);export{handler};',
    'var handler=import.meta.resolve("./a.mjs");export{handler};',
    'export const k=1;var handler=1;export{handler};',
  ]) assert.equal(toCachedScript(module), null, module);
});

test('the V8 flags are those Lambda\'s Node.js bootstrap derives from the memory size', () => {
  // A 128 MB function's node was seen started with --max-semi-space-size=6 --max-old-space-size=116 (and --expose-gc).
  assert.deepEqual(lambdaNodeFlags(128), ['--expose-gc', '--max-semi-space-size=6', '--max-old-space-size=116']);
  assert.deepEqual(lambdaNodeFlags(512), ['--expose-gc', '--max-semi-space-size=25', '--max-old-space-size=461']);
  assert.deepEqual(lambdaNodeFlags(10_240), ['--expose-gc', '--max-semi-space-size=512', '--max-old-space-size=9216']);
});
