import { createEngine, openDeliveryDecoder } from '../../compose.js';
import { assertServable, type Config } from '../../config/load.js';
import { receiveOptions } from '../../config/receive-options.js';
import { GatewayError } from '../../core/errors.js';
import type { HandleDeps } from '../../edge/handle-webhook.js';
import { JobRunner } from '../../pipeline/jobs.js';
import { buildTargets, type Targets } from '../../pipeline/targets.js';
import { runnerLimits } from '../../pipeline/worker.js';
import type { DeliveryStore } from '../../ports/delivery-log.js';
import type { PipelineStores } from '../../ports/engine.js';
import type { DeliveryDecoder } from '../../ports/queued-delivery.js';
import { bootstrapConfig } from '../bootstrap.js';
import { logLine } from './log.js';
import { resolveSecretRefs } from '../secret-refs.js';

/**
 * What a Lambda container makes once, at cold start, and every invocation
 * reuses: the config (secrets read once), the SDK clients inside the
 * stores, and the handlers.
 */

type Env = Readonly<Record<string, string | undefined>>;

const invalid = (key: string, why: string): GatewayError => new GatewayError('WAHOOK_ERR_CONFIG_INVALID', `Invalid config key "${key}": ${why}`);

async function configFrom(env: Env): Promise<Config> {
  return bootstrapConfig({}, await resolveSecretRefs(env));
}

/** A Lambda's disk is its own and goes with it: SQLite there would keep deliveries no other container sees. */
function inLambda(env: Env): boolean {
  return env.AWS_LAMBDA_FUNCTION_NAME !== undefined;
}

export interface ReceiveContainer {
  readonly config: Config;
  readonly store: DeliveryStore;
  readonly deps: HandleDeps;
}

/** @example const container = await startReceiveContainer(process.env); */
export async function startReceiveContainer(env: Env): Promise<ReceiveContainer> {
  const config = await configFrom(env);
  // A function binds no address: `host` says nothing about who can reach its URL.
  assertServable(config, null);
  if (inLambda(env) && config.queueUrl === undefined && config.engine === 'sqlite') {
    throw invalid('queueUrl (env WAHOOK_QUEUE_URL)', 'a Lambda keeps no disk between containers; deliveries need a queue or a shared store: set WAHOOK_QUEUE_URL=sqs://…, WAHOOK_DYNAMODB_TABLE_PREFIX or DATABASE_URL');
  }
  const store = await createEngine(config).openDeliveryStore();
  return {
    config,
    store,
    deps: { store, opts: receiveOptions(config), bodyLimitBytes: config.bodyLimitBytes, now: Date.now },
  };
}

export interface ProcessContainer {
  readonly config: Config;
  readonly decoder: DeliveryDecoder;
  readonly stores: PipelineStores;
  readonly targets: Targets;
  readonly runner: JobRunner;
}

/**
 * The targets this function can run. Media downloads run in `serve` and `wahook worker` only: a media job queued
 * here would fail every attempt and end dead-lettered, so none is queued, and the start says so once.
 */
function runnableTargets(all: Targets): Targets {
  const left = all.specs.filter((s) => all.run[s.name] === undefined).map((s) => s.name);
  if (left.length === 0) return all;
  logLine('warn', 'job targets the processing function does not run are left out; run wahook worker on a server for them', { targets: left });
  return { ...all, specs: all.specs.filter((s) => all.run[s.name] !== undefined) };
}

/** @example const container = await startProcessContainer(process.env); */
export async function startProcessContainer(env: Env): Promise<ProcessContainer> {
  const config = await configFrom(env);
  const decoder = openDeliveryDecoder(config);
  if (decoder === null) throw invalid('queueUrl (env WAHOOK_QUEUE_URL)', 'sqsHandler reads deliveries from a queue: set WAHOOK_QUEUE_URL=sqs://…');
  if (inLambda(env) && config.engine === 'sqlite') {
    throw invalid('engine', 'a Lambda keeps no disk between containers; events need a shared store: set WAHOOK_DYNAMODB_TABLE_PREFIX');
  }
  const stores = await createEngine(config).openPipelineStores();
  const targets = runnableTargets(await buildTargets(config));
  const runner = new JobRunner(stores.jobs, targets.run, {
    ...runnerLimits(config),
    onQueueError: (e) => logLine('error', 'job state not saved; it will run again', { error: String(e) }),
    onResult: (job, ok, _ms, error) => {
      if (!ok) logLine('warn', 'job failed', { seq: job.seq, target: job.target, kind: job.event.kind, attempt: job.attempts + 1, error });
    },
  });
  return { config, decoder, stores, targets, runner };
}
