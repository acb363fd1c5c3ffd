import assert from 'node:assert/strict';
import { execFileSync, spawnSync } from 'node:child_process';
import { join } from 'node:path';
import { test } from 'node:test';
import { localDynamoEngines } from '../../../test/helpers/dynamo-engine.js';
import { projectRoot } from '../../../test/helpers/fixtures.js';
import { planIngest } from '../../pipeline/ingest-plan.js';
import type { StoredDelivery } from '../../ports/delivery-log.js';
import { TABLES } from './index.js';
import { TTL_TABLES } from './tables.js';

const engine = localDynamoEngines('c');
const delivery = (id: string, value: object): StoredDelivery => {
  const body = Buffer.from(JSON.stringify({ object: 'whatsapp_business_account', entry: [{ id: 'w', changes: [{ field: 'messages', value: { messaging_product: 'whatsapp', metadata: { phone_number_id: '1' }, ...value } }] }] }));
  return { id, tenant: 'default', provider: 'cloud_api', receivedAt: 1, bytes: body.length, headers: {}, body };
};
const status = (value: string, ts: number): object => ({ statuses: [{ id: 'wamid.race', status: value, timestamp: String(ts), recipient_id: '1' }] });

test('Lambdas ingesting the same deliveries at once insert each event once (conditional writes)', async () => {
  const e = await engine();
  const stores = await Promise.all(Array.from({ length: 4 }, () => e.openPipelineStores()));
  const batch = Array.from({ length: 12 }, (_, i) => delivery(`d${i}`, { messages: [{ from: String(100 + i), id: `wamid.same${i}`, timestamp: '5', type: 'text', text: { body: 'x' } }] }));
  const results = await Promise.all(stores.map((s) => s.events.ingest(planIngest(batch, [{ name: 'handler' }]))));
  assert.equal(results.reduce((a, r) => a + r.inserted, 0), 12);
  assert.equal(results.reduce((a, r) => a + r.duplicates, 0), 36);
  assert.deepEqual(await stores[0]!.jobs.counts(), { pending: 12, dead: 0 }, 'one job per event, not per ingest');
});

test('concurrent status merges end at the highest rank, whatever interleaving', async () => {
  const e = await engine();
  const stores = await Promise.all(Array.from({ length: 5 }, () => e.openPipelineStores()));
  const order = [['played', 50], ['sent', 10], ['read', 40], ['delivered', 30], ['sent', 10]] as const;
  await Promise.all(stores.map((s, i) => s.events.ingest(planIngest([delivery(`s${i}`, status(order[i]![0], order[i]![1]))], []))));
  const q = await e.openEventQuery();
  const m = (await q.messages(10)).find((x) => x.messageId === 'wamid.race')!;
  assert.equal(m.status, 'played');
  assert.deepEqual(m.statusHistory.map((h) => h.status), ['sent', 'delivered', 'read', 'played']);
});

test('the tables the adapter makes are the tables the SAM template declares', { skip: spawnSync('python3', ['-c', 'import cfnlint'], { stdio: 'ignore' }).status === 0 ? false : 'cfn-lint (its YAML decoder) is not installed here' }, () => {
  const py = 'import json,sys\nfrom cfnlint.decode import decode\nt,m=decode(sys.argv[1])\nprint(json.dumps(t["Resources"]))';
  const r = JSON.parse(execFileSync('python3', ['-c', py, join(projectRoot(), 'deploy', 'lambda', 'template.yaml')], { encoding: 'utf8' })) as Record<string, { Properties: Record<string, unknown> }>;
  const pick = (p: Record<string, unknown>) => ({ AttributeDefinitions: p.AttributeDefinitions, KeySchema: p.KeySchema, GlobalSecondaryIndexes: p.GlobalSecondaryIndexes });
  assert.deepEqual(pick(r.EventsTable!.Properties), pick(TABLES.events as Record<string, unknown>));
  assert.deepEqual(pick(r.JobsTable!.Properties), pick(TABLES.jobs as Record<string, unknown>));
  assert.deepEqual(pick(r.TelemetryTable!.Properties), pick(TABLES.telemetry as Record<string, unknown>));
  assert.deepEqual(pick(r.DeliveriesTable!.Properties), pick(TABLES.deliveries as Record<string, unknown>));
  for (const name of TTL_TABLES) {
    const resource = `${name[0]!.toUpperCase()}${name.slice(1)}Table`;
    assert.deepEqual(r[resource]!.Properties.TimeToLiveSpecification, { AttributeName: 'expiresAt', Enabled: true }, `${resource} expires its items by expiresAt`);
  }
});
