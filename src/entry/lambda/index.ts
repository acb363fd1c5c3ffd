/**
 * @module wahook/lambda — the receiving and processing functions for AWS
 * Lambda. Each handler makes its container (config, secrets, SDK clients)
 * on first use and keeps it, or makes it again on a later use if it failed
 * to start. Importing this module starts nothing, so one function does not
 * start the other's container; `wahook/lambda/receive` and
 * `wahook/lambda/process` (and the bundles `wahook build-lambda` writes)
 * start theirs at load instead, during the function's INIT.
 */
import { startProcessContainer, startReceiveContainer, type ProcessContainer, type ReceiveContainer } from './container.js';
import { createSqsHandler, type SqsHandler } from './process.js';
import { createReceiveHandler, type ReceiveHandler } from './receive.js';
import { restartable } from './restartable.js';

export { createReceiveHandler, type ReceiveHandler } from './receive.js';
export { createSqsHandler, type BatchResponse, type SqsHandler } from './process.js';
export { startProcessContainer, startReceiveContainer, type ProcessContainer, type ReceiveContainer } from './container.js';
export { fromLambdaEvent, toLambdaResult, type HttpSource, type LambdaHttpResult } from './http-event.js';
export { restartable } from './restartable.js';

let receive: ReceiveHandler | undefined;
let process_: SqsHandler | undefined;

/** API Gateway (HTTP and REST), function URL and ALB events in, their responses out. */
export const receiveHandler: ReceiveHandler = (event) => {
  receive ??= createReceiveHandler(restartable(() => startReceiveContainer(process.env) as Promise<ReceiveContainer>));
  return receive(event);
};

/** SQS events in, `{ batchItemFailures }` out (enable ReportBatchItemFailures on the event source). */
export const sqsHandler: SqsHandler = (event, context) => {
  process_ ??= createSqsHandler(restartable(() => startProcessContainer(process.env) as Promise<ProcessContainer>));
  return process_(event, context);
};
