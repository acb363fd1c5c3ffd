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
/** A secret read but not usable as it is; the message names keys, never values. */
const unusable = (name: string, ref: string, why: string): GatewayError => new GatewayError('WAHOOK_ERR_CONFIG_INVALID', `Invalid config key "${name}": ${ref} ${why}`);

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

type SecretRef = { readonly name: string; readonly ref: string; readonly kind: 'ssm' | 'secretsmanager'; readonly id: string; readonly field?: string };

function refOf(name: string, ref: string | undefined): SecretRef | null {
  if (ref === undefined) return null;
  if (ref.startsWith('ssm:')) return { name, ref, kind: 'ssm', id: ref.slice(4) };
  if (!ref.startsWith('secretsmanager:')) return null;
  // `secretsmanager:<id>#<key>`: one key of a secret kept as key/value pairs, the console's default form.
  const [id, field] = ref.slice(15).split('#', 2) as [string, string | undefined];
  return { name, ref, kind: 'secretsmanager', id, ...(field ? { field } : {}) };
}

/** A JSON object's text: what Secrets Manager holds for a key/value secret. */
function keyValuePairs(value: string): Record<string, unknown> | null {
  if (!value.startsWith('{')) return null;
  try {
    const o = JSON.parse(value) as unknown;
    return typeof o === 'object' && o !== null && !Array.isArray(o) ? (o as Record<string, unknown>) : null;
  } catch {
    return null;
  }
}

/**
 * The secret's value, or the named key of a key/value secret. A key/value secret named without a key is refused:
 * taken whole, its JSON text would become the secret, and every signature would fail.
 */
function valueOf(r: SecretRef, value: string): string {
  const pairs = r.kind === 'secretsmanager' ? keyValuePairs(value) : null;
  if (r.field === undefined) {
    if (pairs !== null) throw unusable(r.name, r.ref, `holds key/value pairs; name the key: ${r.ref}#<key> (its keys: ${Object.keys(pairs).join(', ')})`);
    return value;
  }
  const picked = pairs?.[r.field];
  if (typeof picked !== 'string' || picked === '') throw unusable(r.name, r.ref, `has no text value under the key "${r.field}"`);
  return picked;
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
  await Promise.all(refs.map(async (r) => {
    let value: string | undefined;
    try {
      value = r.kind === 'ssm' ? await fromSsm(r.id) : await fromSecretsManager(r.id);
    } catch (e) {
      throw failed(r.name, r.ref, e);
    }
    if (value === undefined || value === '') throw failed(r.name, r.ref, new Error('empty value'));
    out[r.name] = valueOf(r, value);
  }));
  return out;
}
