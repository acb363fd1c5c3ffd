/**
 * Every command answers --help (and `wahook help <command>`) with its own
 * text, and `cost --help` lists every flag its parser accepts.
 */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { COST_FLAGS, costFlagHelp } from '../../planner/index.js';
import { COMMANDS, commandHelp } from './help.js';
import { main } from './index.js';

async function run(argv: string[]): Promise<{ code: number; out: string; err: string }> {
  let out = '';
  let err = '';
  const code = await main(argv, { out: (s) => { out += s; }, err: (s) => { err += s; }, env: {} });
  return { code, out, err };
}

describe('per-command help', () => {
  it('covers every command of the general usage', async () => {
    const usage = (await run(['--help'])).out;
    const listed = [...usage.matchAll(/^ {2}([a-z][a-z-]*) /gm)].map((m) => m[1]);
    assert.deepEqual([...new Set(listed)].sort(), [...COMMANDS].sort());
  });

  for (const command of COMMANDS) {
    it(`${command} --help and help ${command} print ${command}'s own text`, async () => {
      const a = await run([command, '--help']);
      const b = await run(['help', command]);
      assert.equal(a.code, 0, a.err);
      assert.equal(b.code, 0, b.err);
      assert.equal(a.out, commandHelp(command));
      assert.equal(b.out, a.out);
      assert.match(a.out, new RegExp(`^Usage: wahook ${command}\\b`));
      for (const other of COMMANDS.filter((c) => c !== command)) assert.notEqual(a.out, commandHelp(other));
    });
  }

  it('cost --help lists every flag the cost parser accepts, with its unit and default', async () => {
    const { out } = await run(['cost', '--help']);
    const help = new Map(costFlagHelp().map((f) => [f.flag, f]));
    assert.deepEqual([...help.keys()].sort(), [...COST_FLAGS].sort());
    for (const flag of COST_FLAGS) {
      const f = help.get(flag)!;
      assert.match(out, new RegExp(`^  ${flag} .*Unit: ${escape(f.unit)}\\. Default: ${escape(f.default)}\\.`, 'm'), flag);
    }
  });

  it('still prints the general usage for an unknown command\'s help', async () => {
    const r = await run(['help', 'nope']);
    assert.equal(r.code, 0);
    assert.match(r.out, /^wahook — a durable gateway/);
  });
});

function escape(s: string): string {
  return s.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
}
