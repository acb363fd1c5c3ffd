import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import { resolveSecretRefs } from '../../src/entry/secret-refs.js';
import { startReceiveContainer } from '../../src/entry/lambda/container.js';
import { AwsJsonError, startAwsJsonServer, type AwsJsonServer } from '../helpers/aws-json-server.js';
import { startSqs, useLocalAwsEnv } from '../helpers/aws-local.js';
import { runWahook } from '../helpers/process.js';
import { signCloudApi } from '../../src/core/signature.js';
import type { SqsDouble } from '../helpers/sqs-double.js';

/**
 * SSM Parameter Store and Secrets Manager test doubles over the AWS JSON
 * 1.1 protocol their SDK clients speak (`AmazonSSM.GetParameter`,
 * `secretsmanager.GetSecretValue`), holding a few values.
 */
let ssm: AwsJsonServer;
let secrets: AwsJsonServer;
let sqs: SqsDouble;
const PARAMS: Record<string, string> = { '/wahook/app-secret': 'from-ssm' };
const SECRETS: Record<string, string> = { 'wahook/verify-token': 'from-secrets-manager', 'wahook/pairs': '{"appSecret":"from-a-pair","verifyToken":"token-pair"}' };

before(async () => {
  useLocalAwsEnv();
  ssm = await startAwsJsonServer('AmazonSSM', {
    GetParameter: (input) => {
      const value = PARAMS[String(input.Name)];
      if (value === undefined) throw new AwsJsonError('ParameterNotFound', 'not found');
      assert.equal(input.WithDecryption, true, 'SecureString parameters are decrypted');
      return { Parameter: { Name: input.Name, Type: 'SecureString', Value: value, Version: 1 } };
    },
  }, 'application/x-amz-json-1.1');
  secrets = await startAwsJsonServer('secretsmanager', {
    GetSecretValue: (input) => {
      const value = SECRETS[String(input.SecretId)];
      if (value === undefined) throw new AwsJsonError('ResourceNotFoundException', 'not found');
      return { ARN: `arn:aws:secretsmanager:us-east-1:000000000000:secret:${String(input.SecretId)}`, Name: input.SecretId, SecretString: value };
    },
  }, 'application/x-amz-json-1.1');
  process.env.AWS_ENDPOINT_URL_SSM = ssm.endpoint;
  process.env.AWS_ENDPOINT_URL_SECRETS_MANAGER = secrets.endpoint;
  sqs = await startSqs();
});
after(async () => {
  await ssm.close();
  await secrets.close();
  await sqs.close();
});

test('secret variables that name an SSM parameter or a Secrets Manager secret are read once, at container start', async () => {
  const env = await resolveSecretRefs({ WAHOOK_APP_SECRET: 'ssm:/wahook/app-secret', WAHOOK_VERIFY_TOKEN: 'secretsmanager:wahook/verify-token', WAHOOK_WASENDER_SECRET: 'plain', WAHOOK_DATA_DIR: 'ssm:/not/a/secret/key' });
  assert.deepEqual(env, { WAHOOK_APP_SECRET: 'from-ssm', WAHOOK_VERIFY_TOKEN: 'from-secrets-manager', WAHOOK_WASENDER_SECRET: 'plain', WAHOOK_DATA_DIR: 'ssm:/not/a/secret/key' });
  const before = ssm.calls.get('GetParameter');
  const c = await startReceiveContainer({ WAHOOK_APP_SECRET: 'ssm:/wahook/app-secret', WAHOOK_QUEUE_URL: sqs.createQueue('secrets') });
  assert.deepEqual(c.config.tenants.default!.appSecrets, ['from-ssm']);
  assert.equal(ssm.calls.get('GetParameter'), before! + 1);
});

test('a reference that cannot be read stops the container with a config error naming the variable', async () => {
  await assert.rejects(resolveSecretRefs({ WAHOOK_APP_SECRET: 'ssm:/missing' }), (e) => {
    const g = e as { code: string; message: string };
    return g.code === 'WAHOOK_ERR_CONFIG_INVALID' && g.message.includes('WAHOOK_APP_SECRET') && !g.message.includes('from-ssm');
  });
  await assert.rejects(resolveSecretRefs({ WAHOOK_VERIFY_TOKEN: 'secretsmanager:missing' }), (e) => (e as { code: string }).code === 'WAHOOK_ERR_CONFIG_INVALID');
});

test('a command on a server reads the same references: wahook sign signs with the app secret SSM holds', async () => {
  const before = ssm.calls.get('GetParameter') ?? 0;
  const r = await runWahook(['sign', '--body', '{"object":"whatsapp_business_account","entry":[]}'], { WAHOOK_APP_SECRET: 'ssm:/wahook/app-secret', AWS_ENDPOINT_URL_SSM: ssm.endpoint });
  assert.equal(r.code, 0, r.stderr);
  assert.equal(r.stdout.trim(), `X-Hub-Signature-256: ${signCloudApi(Buffer.from('{"object":"whatsapp_business_account","entry":[]}'), 'from-ssm')}`);
  assert.equal(ssm.calls.get('GetParameter'), before + 1);
});

test('a Secrets Manager secret of key/value pairs gives the key its reference names; named without a key it is refused, never taken whole', async () => {
  const env = await resolveSecretRefs({ WAHOOK_APP_SECRET: 'secretsmanager:wahook/pairs#appSecret', WAHOOK_VERIFY_TOKEN: 'secretsmanager:wahook/pairs#verifyToken' });
  assert.deepEqual([env.WAHOOK_APP_SECRET, env.WAHOOK_VERIFY_TOKEN], ['from-a-pair', 'token-pair']);
  await assert.rejects(resolveSecretRefs({ WAHOOK_APP_SECRET: 'secretsmanager:wahook/pairs' }), (e) => {
    const g = e as { code: string; message: string };
    return g.code === 'WAHOOK_ERR_CONFIG_INVALID' && g.message.includes('#<key>') && g.message.includes('appSecret, verifyToken') && !g.message.includes('from-a-pair');
  });
  await assert.rejects(resolveSecretRefs({ WAHOOK_APP_SECRET: 'secretsmanager:wahook/pairs#nope' }), (e) => (e as { message: string }).message.includes('"nope"'));
});
