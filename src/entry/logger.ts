import pino, { type Logger } from 'pino';

/**
 * Structured JSON logs. Secrets, tokens and phone numbers are redacted by
 * path wherever they may appear in a logged object.
 */
export const REDACT_PATHS = [
  'secret', '*.secret', 'appSecrets', '*.appSecrets', 'verifyToken', '*.verifyToken', 'wasenderSecret', '*.wasenderSecret',
  'forwardSecret', '*.forwardSecret', 'adminToken', '*.adminToken', 'token', '*.token', 'authorization', '*.authorization',
  'headers["x-webhook-signature"]', 'headers.authorization', 'req.headers.authorization', 'req.headers["x-webhook-signature"]',
  'contact', '*.contact', 'phone', '*.phone', 'from', '*.from', 'wa_id', '*.wa_id', 'recipient_id', '*.recipient_id',
];

/** `onWrite` sees the size of every line written, so the cost planner can price logging from what was logged. */
export function createLogger(level: string, destination?: NodeJS.WritableStream, onWrite?: (bytes: number) => void): Logger {
  return pino(
    {
      level,
      base: { svc: 'wahook' },
      redact: { paths: REDACT_PATHS, censor: '[redacted]' },
      ...(onWrite ? { hooks: { streamWrite: (s: string) => (onWrite(Buffer.byteLength(s)), s) } } : {}),
    },
    destination ?? pino.destination({ fd: 2, sync: false }),
  );
}
