// The receiving function's bundle entry: the container starts while the module loads, in the function's INIT.
import { startReceiveContainer } from './container.js';
import { createReceiveHandler } from './receive.js';
import { restartable } from './restartable.js';

export const handler = createReceiveHandler(restartable(() => startReceiveContainer(process.env)));
