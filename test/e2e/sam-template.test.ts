import assert from 'node:assert/strict';
import { execFileSync, spawnSync } from 'node:child_process';
import { join } from 'node:path';
import { test } from 'node:test';
import { projectRoot } from '../helpers/fixtures.js';

const TEMPLATE = join(projectRoot(), 'deploy', 'lambda', 'template.yaml');
const has = (cmd: string, args: string[]): boolean => spawnSync(cmd, args, { stdio: 'ignore' }).status === 0;
const lint = has('cfn-lint', ['--version']);

test('cfn-lint passes on the SAM template', { skip: lint ? false : 'cfn-lint is not installed here (pip install cfn-lint)' }, () => {
  const r = spawnSync('cfn-lint', [TEMPLATE], { encoding: 'utf8' });
  assert.equal(r.status, 0, `${r.stdout}${r.stderr}`);
});

type Obj = Record<string, any>;

/** The template as JSON, read by cfn-lint's own YAML decoder (it knows the short tags: !Ref, !Sub, !If …). */
function template(): Obj {
  const py = 'import json,sys\nfrom cfnlint.decode import decode\nt,m=decode(sys.argv[1])\nassert not m, m\nprint(json.dumps(t))';
  return JSON.parse(execFileSync('python3', ['-c', py, TEMPLATE], { encoding: 'utf8' })) as Obj;
}

test('the template holds what the deployment promises', { skip: lint ? false : 'cfn-lint (its YAML decoder) is not installed here' }, () => {
  const t = template();
  const r = t.Resources as Obj;
  const env = t.Globals.Function.Environment.Variables;
  assert.ok(t.Globals.Function.Runtime.startsWith('nodejs'));
  assert.deepEqual(env.WAHOOK_QUEUE_URL, { Ref: 'DeliveryQueue' });
  assert.deepEqual(env.WAHOOK_LARGE_DELIVERY_BUCKET, { Ref: 'LargeDeliveryBucket' });
  assert.deepEqual([env.WAHOOK_WEBHOOK_ALLOW_CIDRS, env.WAHOOK_TRUSTED_PROXIES], [{ Ref: 'WebhookAllowCidrs' }, { Ref: 'TrustedProxies' }]);
  assert.deepEqual([t.Parameters.WebhookAllowCidrs.Default, t.Parameters.TrustedProxies.Default], ['', ''], 'no allowlist unless one is given');
  assert.deepEqual(env.WAHOOK_APP_SECRET['Fn::If'][1], { 'Fn::Sub': 'ssm:${AppSecretName}' }, 'secrets are references read at cold start, never values');
  assert.deepEqual(env.WAHOOK_APP_SECRET['Fn::If'][2], { 'Fn::Sub': 'secretsmanager:${AppSecretName}' });

  const receive = r.ReceiveFunction.Properties;
  assert.equal(receive.FunctionUrlConfig.AuthType, 'NONE', 'Meta calls the function URL unauthenticated; the signature is the check');
  assert.equal(receive.Events.Webhook.Type, 'HttpApi');
  assert.equal(r.ReceiveFunction.Metadata.BuildMethod, 'makefile');

  const process_ = r.ProcessFunction.Properties;
  const source = process_.Events.Deliveries;
  assert.equal(source.Type, 'SQS');
  assert.deepEqual(source.Properties.Queue, { 'Fn::GetAtt': ['DeliveryQueue', 'Arn'] });
  assert.deepEqual(source.Properties.FunctionResponseTypes, ['ReportBatchItemFailures']);
  assert.ok(source.Properties.BatchSize >= 1 && source.Properties.BatchSize <= 10);
  assert.deepEqual(process_.ReservedConcurrentExecutions, { Ref: 'ProcessConcurrency' });

  const queue = r.DeliveryQueue.Properties;
  assert.deepEqual(queue.RedrivePolicy.deadLetterTargetArn, { 'Fn::GetAtt': ['DeadLetterQueue', 'Arn'] });
  assert.ok(queue.RedrivePolicy.maxReceiveCount >= 5);
  assert.ok(queue.VisibilityTimeout >= 6 * process_.Timeout, 'visibility at least six times the function timeout');
  assert.equal(r.DeadLetterQueue.Type, 'AWS::SQS::Queue');

  const bucket = r.LargeDeliveryBucket.Properties;
  assert.equal(bucket.LifecycleConfiguration.Rules[0].Prefix, 'deliveries/', 'the prefix the claim check writes under');
  assert.equal(bucket.PublicAccessBlockConfiguration.BlockPublicPolicy, true);

  for (const name of ['EventsTable', 'JobsTable', 'TelemetryTable', 'DeliveriesTable']) {
    const table = r[name].Properties;
    assert.equal(table.BillingMode, 'PAY_PER_REQUEST');
    assert.deepEqual(table.KeySchema.map((k: Obj) => k.AttributeName), ['pk', 'sk']);
  }
  assert.equal(r.TelemetryTable.Properties.TimeToLiveSpecification.AttributeName, 'expiresAt');
  assert.deepEqual(r.DeliveriesTable.Properties.TimeToLiveSpecification, { AttributeName: 'expiresAt', Enabled: true }, 'raw deliveries expire by TTL');
  assert.deepEqual(env.WAHOOK_RETENTION_DELIVERIES_DAYS, { Ref: 'DeliveryRetentionDays' });

  const alarms = Object.values(r).filter((x: Obj) => x.Type === 'AWS::CloudWatch::Alarm') as Obj[];
  assert.ok(alarms.some((a) => a.Properties.MetricName === 'ApproximateNumberOfMessagesVisible' && a.Properties.Dimensions[0].Value['Fn::GetAtt'][0] === 'DeadLetterQueue'));
  assert.ok(alarms.some((a) => a.Properties.MetricName === 'Duration' && a.Properties.ExtendedStatistic === 'p99' && a.Properties.Dimensions[0].Value.Ref === 'ReceiveFunction'));
  for (const a of alarms) {
    for (const key of ['Namespace', 'MetricName', 'Period', 'EvaluationPeriods', 'Threshold', 'ComparisonOperator']) assert.ok(a.Properties[key] !== undefined, `alarm ${key}`);
  }
});
