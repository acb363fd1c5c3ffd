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

/**
 * The template as CloudFormation would make it for these parameter values:
 * conditions evaluated (the Equals and Not of parameters this template
 * uses), resources and outputs whose condition is false left out, and
 * every Fn::If replaced by its chosen branch, AWS::NoValue dropping the
 * key or list item that holds it.
 */
function resolved(t: Obj, params: Record<string, string>): Obj {
  const value = (x: any): any => (x?.Ref !== undefined && x.Ref in t.Parameters ? params[x.Ref] ?? t.Parameters[x.Ref].Default : x);
  const conditions: Record<string, boolean> = {};
  const evaluate = (c: any): boolean => {
    if (c['Fn::Equals'] !== undefined) return value(c['Fn::Equals'][0]) === value(c['Fn::Equals'][1]);
    if (c['Fn::Not'] !== undefined) return !evaluate(c['Fn::Not'][0]);
    if (c['Fn::And'] !== undefined) return (c['Fn::And'] as any[]).every(evaluate);
    if (typeof c.Condition === 'string') return evaluate(t.Conditions[c.Condition]);
    throw new Error(`condition ${JSON.stringify(c)} is not one this resolver knows`);
  };
  for (const [name, c] of Object.entries(t.Conditions as Obj)) conditions[name] = evaluate(c);
  const NONE = Symbol('none');
  const walk = (x: any): any => {
    if (Array.isArray(x)) return x.map(walk).filter((v) => v !== NONE);
    if (x === null || typeof x !== 'object') return x;
    if (x['Fn::If'] !== undefined) return walk(conditions[x['Fn::If'][0]] ? x['Fn::If'][1] : x['Fn::If'][2]);
    if (x.Ref === 'AWS::NoValue') return NONE;
    return Object.fromEntries(Object.entries(x).map(([k, v]) => [k, walk(v)]).filter(([, v]) => v !== NONE));
  };
  const kept = (section: Obj): Obj => Object.fromEntries(Object.entries(section).filter(([, r]) => r.Condition === undefined || conditions[r.Condition]));
  return walk({ ...t, Resources: kept(t.Resources), Outputs: kept(t.Outputs) });
}

/** A function's variables as SAM gives them: Globals, then the function's own. */
const functionEnv = (t: Obj, name: string): Obj => ({ ...t.Globals.Function.Environment.Variables, ...t.Resources[name].Properties.Environment?.Variables });

/** The IAM statements a function's policies hold (SAM's policy templates, such as SQSSendMessagePolicy, are not among them). */
const statementsOf = (t: Obj, name: string): Obj[] => (t.Resources[name].Properties.Policies as Obj[]).flatMap((p) => p.Statement ?? []);

/** Every resource a Ref, GetAtt or Sub names, so that a resource left out by a condition is named by nothing that stays. */
function referenced(x: any, out = new Set<string>()): Set<string> {
  if (Array.isArray(x)) for (const v of x) referenced(v, out);
  else if (x !== null && typeof x === 'object') {
    if (typeof x.Ref === 'string') out.add(x.Ref);
    if (Array.isArray(x['Fn::GetAtt'])) out.add(x['Fn::GetAtt'][0]);
    if (typeof x['Fn::Sub'] === 'string') for (const m of x['Fn::Sub'].matchAll(/\$\{([A-Za-z0-9]+)[.}]/g)) out.add(m[1]!);
    for (const [k, v] of Object.entries(x)) if (k !== 'Fn::Sub') referenced(v, out);
  }
  return out;
}

/** What a template may name without making it: pseudo parameters, its parameters, and what SAM makes from a function's own properties. */
const implicitNames = (t: Obj): Set<string> => new Set(['AWS::Region', 'AWS::AccountId', 'AWS::Partition', 'AWS::URLSuffix', 'AWS::NoValue', 'ServerlessHttpApi', 'ReceiveFunctionUrl', ...Object.keys(t.Parameters)]);

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
  const queued = resolved(t, { ReceiveInto: 'sqs' });
  assert.deepEqual(functionEnv(queued, 'ReceiveFunction').WAHOOK_QUEUE_URL, { Ref: 'DeliveryQueue' });
  assert.deepEqual(functionEnv(queued, 'ReceiveFunction').WAHOOK_LARGE_DELIVERY_BUCKET, { Ref: 'LargeDeliveryBucket' });
  assert.deepEqual(functionEnv(queued, 'ProcessFunction').WAHOOK_QUEUE_URL, { Ref: 'DeliveryQueue' });
  assert.deepEqual([env.WAHOOK_WEBHOOK_ALLOW_CIDRS, env.WAHOOK_TRUSTED_PROXIES], [{ Ref: 'WebhookAllowCidrs' }, { Ref: 'TrustedProxies' }]);
  assert.deepEqual([t.Parameters.WebhookAllowCidrs.Default, t.Parameters.TrustedProxies.Default], ['', ''], 'no allowlist unless one is given');
  const secret = r.ReceiveFunction.Properties.Environment.Variables.WAHOOK_APP_SECRET;
  assert.deepEqual(secret['Fn::If'][1], { 'Fn::Sub': 'ssm:${AppSecretName}' }, 'secrets are references read at cold start, never values');
  assert.deepEqual(secret['Fn::If'][2], { 'Fn::Sub': 'secretsmanager:${AppSecretName}' });
  assert.equal(env.NODE_OPTIONS, undefined, 'no node option a cold start pays for: the zips ship no source maps');

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
  assert.deepEqual(source.Properties.ScalingConfig.MaximumConcurrency, { Ref: 'QueueConcurrency' });
  assert.ok(t.Parameters.QueueConcurrency.Default < t.Parameters.ProcessConcurrency.Default && t.Parameters.QueueConcurrency.MinValue < t.Parameters.ProcessConcurrency.MinValue, 'the scheduled run keeps a slot of the reserve: queue invocations are never throttled for want of one');
  assert.equal(process_.Events.DueJobs.Type, 'Schedule', 'due retries run without waiting for a delivery');
  assert.match(process_.Events.DueJobs.Properties.Schedule, /^rate\(\d+ minutes?\)$/);
  assert.ok(Number(process_.Environment.Variables.WAHOOK_HANDLER_TIMEOUT_MS) + 2_000 <= process_.Timeout * 1000, 'a handler times out before the function does');

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

test('ReceiveInto picks SQS (the default) or DynamoDB: each mode makes only its own store, IAM and outputs, and names nothing it left out', { skip: lint ? false : 'cfn-lint (its YAML decoder) is not installed here' }, () => {
  const t = template();
  assert.equal(t.Parameters.ReceiveInto.Default, 'sqs');
  assert.deepEqual(t.Parameters.ReceiveInto.AllowedValues, ['sqs', 'dynamodb']);
  const implicit = implicitNames(t);
  const receivePolicies = (r: Obj): string => JSON.stringify(r.Resources.ReceiveFunction.Properties.Policies);

  const sqs = resolved(t, { ReceiveInto: 'sqs' });
  for (const name of ['DeliveryQueue', 'DeadLetterQueue', 'LargeDeliveryBucket', 'ProcessFunction', 'DeadLetterAlarm', 'ProcessDurationAlarm']) assert.ok(name in sqs.Resources, `${name} with a queue`);
  assert.equal('DeliveriesTable' in sqs.Resources, false, 'no deliveries table when a queue receives');
  assert.match(receivePolicies(sqs), /SQSSendMessagePolicy/);
  assert.doesNotMatch(receivePolicies(sqs), /dynamodb:/, 'the receiving function may not write DynamoDB');
  assert.ok('QueueUrl' in sqs.Outputs && !('DeliveriesTableName' in sqs.Outputs));

  const ddb = resolved(t, { ReceiveInto: 'dynamodb' });
  for (const name of ['DeliveryQueue', 'DeadLetterQueue', 'LargeDeliveryBucket', 'ProcessFunction', 'DeadLetterAlarm', 'ProcessDurationAlarm']) assert.equal(name in ddb.Resources, false, `no ${name} without a queue`);
  const env = functionEnv(ddb, 'ReceiveFunction');
  assert.equal('WAHOOK_QUEUE_URL' in env, false, 'no queue: the table prefix\'s deliveries table is the store');
  assert.equal('WAHOOK_LARGE_DELIVERY_BUCKET' in env, false);
  assert.deepEqual(env.WAHOOK_DYNAMODB_TABLE_PREFIX, { Ref: 'TablePrefix' });
  const table = ddb.Resources.DeliveriesTable.Properties;
  assert.deepEqual(table.TableName, { 'Fn::Sub': '${TablePrefix}deliveries' }, 'the name the engine derives from the prefix');
  assert.deepEqual(table.TimeToLiveSpecification, { AttributeName: 'expiresAt', Enabled: true });
  const statements = statementsOf(ddb, 'ReceiveFunction');
  const write = statements.find((s) => JSON.stringify(s.Action).includes('dynamodb:'));
  assert.deepEqual(write?.Resource, { 'Fn::GetAtt': ['DeliveriesTable', 'Arn'] });
  assert.deepEqual([...write!.Action].sort(), ['dynamodb:GetItem', 'dynamodb:PutItem', 'dynamodb:UpdateItem']);
  assert.doesNotMatch(receivePolicies(ddb), /SQS|S3Write/);
  assert.ok('DeliveriesTableName' in ddb.Outputs && !('QueueUrl' in ddb.Outputs));
  for (const name of ['EventsTable', 'JobsTable', 'TelemetryTable']) assert.ok(name in ddb.Resources, `${name}, for the worker`);

  for (const [mode, r] of [['sqs', sqs], ['dynamodb', ddb]] as const) {
    for (const name of referenced({ r: r.Resources, o: r.Outputs, g: r.Globals })) assert.ok(name in r.Resources || implicit.has(name), `${mode}: ${name} is named but not made`);
  }
});


/** The resource ARN pattern that lets a function read the secret a reference names, as the secret store's read action. */
function grantFor(ref: string): { action: string; resource: string } {
  const [store, name] = [ref.slice(0, ref.indexOf(':')), ref.slice(ref.indexOf(':') + 1)];
  if (store === 'ssm') return { action: 'ssm:GetParameter', resource: `arn:\${AWS::Partition}:ssm:\${AWS::Region}:\${AWS::AccountId}:parameter${name}` };
  assert.equal(store, 'secretsmanager', `a secret reference is ssm: or secretsmanager:, not ${ref}`);
  return { action: 'secretsmanager:GetSecretValue', resource: `arn:\${AWS::Partition}:secretsmanager:\${AWS::Region}:\${AWS::AccountId}:secret:${name}-*` };
}

test('every function may read each secret its environment references, and only the receiving function holds any', { skip: lint ? false : 'cfn-lint (its YAML decoder) is not installed here' }, () => {
  const t = template();
  for (const ReceiveInto of ['sqs', 'dynamodb']) {
    for (const SecretStore of ['ssm', 'secretsmanager']) {
      const r = resolved(t, { ReceiveInto, SecretStore });
      const functions = Object.keys(r.Resources).filter((n) => r.Resources[n].Type === 'AWS::Serverless::Function');
      const held: string[] = [];
      for (const name of functions) {
        const refs = Object.values(functionEnv(r, name)).map((v: any) => v?.['Fn::Sub']).filter((v): v is string => typeof v === 'string' && /^(ssm|secretsmanager):/.test(v));
        for (const ref of refs) {
          held.push(name);
          const { action, resource } = grantFor(ref);
          const granted = statementsOf(r, name).some((st) => st.Effect === 'Allow' && [st.Action].flat().includes(action) && [st.Resource].flat().some((x: any) => x?.['Fn::Sub'] === resource));
          assert.ok(granted, `${ReceiveInto}/${SecretStore}: ${name} reads ${ref} at start but may not (${action} on ${resource})`);
        }
      }
      assert.deepEqual([...new Set(held)], ['ReceiveFunction'], `${ReceiveInto}/${SecretStore}: only the receiving function holds the app secret and verify token`);
    }
  }
});

test('ProcessOn=servers keeps the queue, its dead-letter queue and the bucket for a worker on a server, and makes no processing function', { skip: lint ? false : 'cfn-lint (its YAML decoder) is not installed here' }, () => {
  const t = template();
  assert.equal(t.Parameters.ProcessOn.Default, 'lambda');
  const implicit = implicitNames(t);
  const hybrid = resolved(t, { ReceiveInto: 'sqs', ProcessOn: 'servers' });
  for (const name of ['ProcessFunction', 'ProcessDurationAlarm']) assert.equal(name in hybrid.Resources, false, `no ${name} when servers process`);
  for (const name of ['DeliveryQueue', 'DeadLetterQueue', 'LargeDeliveryBucket', 'DeadLetterAlarm', 'ReceiveFunction']) assert.ok(name in hybrid.Resources, `${name} for the hybrid`);
  assert.deepEqual(hybrid.Resources.DeliveryQueue.Properties.RedrivePolicy.deadLetterTargetArn, { 'Fn::GetAtt': ['DeadLetterQueue', 'Arn'] }, 'a worker\'s failures end in the dead-letter queue too');
  assert.deepEqual(functionEnv(hybrid, 'ReceiveFunction').WAHOOK_QUEUE_URL, { Ref: 'DeliveryQueue' });
  for (const name of ['QueueUrl', 'LargeDeliveryBucketName']) assert.ok(name in hybrid.Outputs, `the worker's ${name} is an output`);
  for (const name of referenced({ r: hybrid.Resources, o: hybrid.Outputs, g: hybrid.Globals })) assert.ok(name in hybrid.Resources || implicit.has(name), `${name} is named but not made`);
  // Without a queue there is nothing for ProcessOn to choose.
  const table = resolved(t, { ReceiveInto: 'dynamodb', ProcessOn: 'lambda' });
  assert.equal('ProcessFunction' in table.Resources, false);
});
