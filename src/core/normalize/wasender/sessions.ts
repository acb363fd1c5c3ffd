import { buildEvent } from '../build.js';
import { sessionKey } from '../keys.js';
import { asRecord, asString } from '../util.js';
import type { Envelope } from './envelope.js';

export const SESSION_EVENTS = new Set(['session.status', 'qrcode.updated', 'passkey.updated']);

export function normalizeSessionEvent(env: Envelope): void {
  const data = asRecord(env.data);
  env.sink.events.push(
    buildEvent(
      env.ref,
      { key: sessionKey(env.event, env.sessionId, env.timestamp, env.data), kind: 'session', type: env.event, timestamp: env.timestamp },
      {
        sessionId: env.sessionId,
        status: asString(data?.['status']),
        stage: asString(data?.['stage']),
        data: env.data,
      },
    ),
  );
}
