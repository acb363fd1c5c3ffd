// The processing function's bundle entry: the container starts while the module loads, in the function's INIT.
import { startProcessContainer } from './container.js';
import { createSqsHandler } from './process.js';
import { restartable } from './restartable.js';

export const handler = createSqsHandler(restartable(() => startProcessContainer(process.env)));
