import { GatewayError } from '../core/errors.js';
import { SCHEMA } from '../config/schema.js';

/**
 * Secrets without putting them in the environment: a secret variable whose
 * value is `ssm:<parameter name>` or `secretsmanager:<secret id>` is read
 * from SSM Parameter Store (decrypted) or Secrets Manager once, when the
 * config is loaded (a Lambda's cold start, a command's start), and kept.
 * Only the variables of secret keys are looked at, so no other value is
 * ever taken for a reference.
 */
export const SECRET_ENV_NAMES: readonly string[] = SCHEMA.filter((s) => s.secret === true && s.env !== undefined).map((s) => s.env!);

type Env = Readonly<Record<string, string | undefined>>;

const failed = (name: string, ref: string, cause: unknown): GatewayError =>
  new GatewayError('WAHOOK_ERR_CONFIG_INVALID', `Invalid config key "${name}": could not read ${ref} (${(cause as Error).name ?? 'error'})`, { cause });

async function fromSsm(name: string): Promise<string | undefined> {
  const { SSMClient, GetParameterCommand } = await import('@aws-sdk/client-ssm');
  const r = await new SSMClient({}).send(new GetParameterCommand({ Name: name, WithDecryption: true }));
  return r.Parameter?.Value;
}

async function fromSecretsManager(id: string): Promise<string | undefined> {
  const { SecretsManagerClient, GetSecretValueCommand } = await import('@aws-sdk/client-secrets-manager');
  const r = await new SecretsManagerClient({}).send(new GetSecretValueCommand({ SecretId: id }));
  return r.SecretString;
}

type SecretRef = { readonly name: string; readonly ref: string; readonly kind: 'ssm' | 'secretsmanager'; readonly id: string };

function refOf(name: string, ref: string | undefined): SecretRef | null {
  if (ref === undefined) return null;
  if (ref.startsWith('ssm:')) return { name, ref, kind: 'ssm', id: ref.slice(4) };
  if (ref.startsWith('secretsmanager:')) return { name, ref, kind: 'secretsmanager', id: ref.slice(15) };
  return null;
}

/**
 * The environment with every secret reference replaced by its value; the
 * environment itself when it holds no reference.
 * @example await resolveSecretRefs({ WAHOOK_APP_SECRET: 'ssm:/wahook/app-secret' }) // { WAHOOK_APP_SECRET: '<the parameter value>' }
 */
export async function resolveSecretRefs(env: Env): Promise<Env> {
  const refs = SECRET_ENV_NAMES.map((name) => refOf(name, env[name])).filter((r) => r !== null);
  if (refs.length === 0) return env;
  const out: Record<string, string | undefined> = { ...env };
  await Promise.all(refs.map(async ({ name, ref, kind, id }) => {
    let value: string | undefined;
    try {
      value = kind === 'ssm' ? await fromSsm(id) : await fromSecretsManager(id);
    } catch (e) {
      throw failed(name, ref, e);
    }
    if (value === undefined || value === '') throw failed(name, ref, new Error('empty value'));
    out[name] = value;
  }));
  return out;
}
