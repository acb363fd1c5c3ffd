import type { AwsCredentials } from './sigv4.js';

type Env = Readonly<Record<string, string | undefined>>;
export type CredentialSource = () => Promise<AwsCredentials>;

/** Temporary credentials are fetched again this long before they expire, so no request is signed with a key about to lapse. */
const REFRESH_BEFORE_MS = 5 * 60_000;

/** The SDK's credential variables, which is what Lambda gives every function (its role's temporary keys). */
export function credentialsFromEnv(env: Env): AwsCredentials | null {
  const accessKeyId = env.AWS_ACCESS_KEY_ID;
  const secretAccessKey = env.AWS_SECRET_ACCESS_KEY;
  if (!accessKeyId || !secretAccessKey) return null;
  const expiration = env.AWS_CREDENTIAL_EXPIRATION ? new Date(env.AWS_CREDENTIAL_EXPIRATION) : undefined;
  return { accessKeyId, secretAccessKey, ...(env.AWS_SESSION_TOKEN ? { sessionToken: env.AWS_SESSION_TOKEN } : {}), ...(expiration ? { expiration } : {}) };
}

/**
 * The SDK's own default chain (profiles, web identity, container and
 * instance roles), loaded only where the environment holds no keys: a
 * dedicated server, never a Lambda, so it costs a function's cold start
 * nothing.
 */
async function sdkChain(): Promise<AwsCredentials> {
  const { SQSClient } = await import('@aws-sdk/client-sqs');
  const provider = new SQSClient({}).config.credentials as () => Promise<AwsCredentials>;
  return provider();
}

/**
 * Credentials as the SDK finds them: the environment's keys first, then
 * its default chain; cached until shortly before they expire.
 * @example const creds = await credentialSource(process.env)();
 */
export function credentialSource(env: Env, fallback: CredentialSource = sdkChain): CredentialSource {
  let cached: Promise<AwsCredentials> | undefined;
  let current: AwsCredentials | undefined;
  const fresh = (c: AwsCredentials): boolean => c.expiration === undefined || c.expiration.getTime() - Date.now() > REFRESH_BEFORE_MS;
  const load = (): Promise<AwsCredentials> => {
    const fromEnv = credentialsFromEnv(env);
    return fromEnv !== null ? Promise.resolve(fromEnv) : fallback();
  };
  return () => {
    if (current !== undefined && !fresh(current)) {
      cached = undefined;
      current = undefined;
    }
    cached ??= load().then(
      (c) => (current = c),
      (e: unknown) => {
        cached = undefined;
        throw e;
      },
    );
    return cached;
  };
}
