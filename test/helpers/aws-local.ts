import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { startSqsDouble, type SqsDouble } from './sqs-double.js';

/**
 * Local AWS endpoints for tests, each on a free loopback port, reached
 * through the SDK's own settings (AWS_ENDPOINT_URL_<SERVICE>), as a
 * deployment would be: s3rver (S3), dynalite (DynamoDB) and the SQS test
 * double. Credentials are s3rver's fixed test pair, which the others ignore.
 */
export function useLocalAwsEnv(): void {
  process.env.AWS_REGION = 'us-east-1';
  process.env.AWS_ACCESS_KEY_ID = 'S3RVER';
  process.env.AWS_SECRET_ACCESS_KEY = 'S3RVER';
}

export interface LocalS3 {
  readonly endpoint: string;
  close(): Promise<void>;
}

export async function startS3(buckets: readonly string[]): Promise<LocalS3> {
  useLocalAwsEnv();
  const { default: S3rver } = await import('s3rver');
  const directory = mkdtempSync(join(tmpdir(), 'wahook-s3-'));
  const server = new S3rver({ port: 0, address: '127.0.0.1', silent: true, directory, configureBuckets: buckets.map((name) => ({ name })) });
  const { port } = await server.run();
  const endpoint = `http://127.0.0.1:${port}`;
  process.env.AWS_ENDPOINT_URL_S3 = endpoint;
  return {
    endpoint,
    close: async () => {
      await server.close();
      rmSync(directory, { recursive: true, force: true });
    },
  };
}

export interface LocalDynamo {
  readonly endpoint: string;
  close(): Promise<void>;
}

export async function startDynamo(): Promise<LocalDynamo> {
  useLocalAwsEnv();
  const { default: dynalite } = await import('dynalite');
  const server = dynalite({ createTableMs: 0, deleteTableMs: 0, updateTableMs: 0 });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', () => r()));
  const { port } = server.address() as { port: number };
  const endpoint = `http://127.0.0.1:${port}`;
  process.env.AWS_ENDPOINT_URL_DYNAMODB = endpoint;
  return { endpoint, close: () => new Promise<void>((r) => server.close(() => r())) };
}

export async function startSqs(opts?: { maxMessageBytes?: number }): Promise<SqsDouble> {
  useLocalAwsEnv();
  const sqs = await startSqsDouble(opts);
  process.env.AWS_ENDPOINT_URL_SQS = sqs.endpoint;
  return sqs;
}
