import assert from 'node:assert/strict';
import { test } from 'node:test';
import { loadConfig } from '../config/load.js';
import { edgeProcesses } from './cluster.js';

const postgres = (processes: string, url = 'postgres://db/wahook') => loadConfig({ flags: { 'database-url': url, processes }, env: {} });

test('serve\'s receiving processes: on a PostgreSQL server elsewhere one per core; beside one on this machine one per two cores, at least one; as many as asked; one on SQLite', () => {
  assert.deepEqual([1, 2, 3, 8].map((cores) => edgeProcesses(postgres('0'), cores)), [1, 2, 3, 8]);
  for (const local of ['postgres://127.0.0.1:5432/test', 'postgres://localhost/wahook', 'postgres://[::1]/wahook', 'postgres:///wahook?host=/var/run/postgresql', 'postgres://%2Fvar%2Frun%2Fpostgresql/wahook']) {
    assert.deepEqual([1, 2, 3, 8].map((cores) => edgeProcesses(postgres('0', local), cores)), [1, 1, 1, 4], local);
  }
  assert.equal(edgeProcesses(postgres('3'), 2), 3);
  assert.equal(edgeProcesses(postgres('3', 'postgres://127.0.0.1/test'), 2), 3);
  assert.equal(edgeProcesses(loadConfig({ flags: {}, env: {} }), 8), 1);
});
