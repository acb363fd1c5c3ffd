import assert from 'node:assert/strict';
import { test } from 'node:test';
import { loadConfig } from '../config/load.js';
import { edgeProcesses } from './cluster.js';

const postgres = (processes: string) => loadConfig({ flags: { 'database-url': 'postgres://db/wahook', processes }, env: {} });

test('serve\'s receiving processes: on PostgreSQL one per two cores by default, at least one; as many as asked; one on SQLite', () => {
  assert.deepEqual([1, 2, 3, 8].map((cores) => edgeProcesses(postgres('0'), cores)), [1, 1, 1, 4]);
  assert.equal(edgeProcesses(postgres('3'), 2), 3);
  assert.equal(edgeProcesses(loadConfig({ flags: {}, env: {} }), 8), 1);
});
