/**
 * One error type with stable codes. Every failure a caller can see carries a
 * `code` from {@link CODES}; tests assert on codes, never on messages, and
 * docs/errors.md is kept in sync with this registry by a test.
 */

export interface ErrorSpec {
  readonly httpStatus: number;
  /** Whether repeating the same operation later may succeed (drives worker retry vs dead letter). */
  readonly retryable: boolean;
  readonly message: string;
}

export const CODES = {
  WAHOOK_ERR_HTTP_NOT_FOUND: { httpStatus: 404, retryable: false, message: 'No route for this path' },
  WAHOOK_ERR_HTTP_METHOD: { httpStatus: 405, retryable: false, message: 'Method not allowed on this route' },
  WAHOOK_ERR_HTTP_MEDIA_TYPE: { httpStatus: 415, retryable: false, message: 'Content-Type must be application/json' },
  WAHOOK_ERR_HTTP_BODY_TOO_LARGE: { httpStatus: 413, retryable: false, message: 'Request body exceeds the configured limit' },
  WAHOOK_ERR_HTTP_BODY_ABORTED: { httpStatus: 400, retryable: true, message: 'Request body was not received completely' },
  WAHOOK_ERR_HTTP_MALFORMED: { httpStatus: 400, retryable: false, message: 'Malformed HTTP request' },
  WAHOOK_ERR_HTTP_HEADERS_TOO_LARGE: { httpStatus: 431, retryable: false, message: 'The request head is larger than the server reads (16 KiB, node\'s max header size)' },
  WAHOOK_ERR_HTTP_TIMEOUT: { httpStatus: 408, retryable: true, message: 'Request was not received in time' },
  WAHOOK_ERR_HTTP_BODY_BUDGET: { httpStatus: 503, retryable: true, message: 'Too many request bodies are being received at once (unverifiedBodyBudgetBytes); retry after the Retry-After delay' },
  WAHOOK_ERR_HTTP_CONNECTION_LIMIT: { httpStatus: 503, retryable: true, message: 'The gateway holds as many connections as it allows (maxConnections); a new connection is closed at once, without an answer' },
  WAHOOK_ERR_TENANT_UNKNOWN: { httpStatus: 404, retryable: false, message: 'No tenant is configured under this name' },
  WAHOOK_ERR_PROVIDER_NOT_CONFIGURED: { httpStatus: 404, retryable: false, message: 'This tenant has no secret configured for this provider' },
  WAHOOK_ERR_SIGNATURE_MISSING: { httpStatus: 401, retryable: false, message: 'Signature header is missing' },
  WAHOOK_ERR_SIGNATURE_INVALID: { httpStatus: 401, retryable: false, message: 'Signature does not match the request body' },
  WAHOOK_ERR_PAYLOAD_NOT_JSON: { httpStatus: 400, retryable: false, message: 'Body is not valid JSON' },
  WAHOOK_ERR_PAYLOAD_NOT_UTF8: { httpStatus: 400, retryable: false, message: 'Body is not valid UTF-8 (JSON must be UTF-8, RFC 8259 section 8.1): it holds a stray, overlong, surrogate or truncated byte sequence' },
  WAHOOK_ERR_PAYLOAD_NOT_ENVELOPE: { httpStatus: 400, retryable: false, message: 'Body is not a recognised webhook envelope' },
  WAHOOK_ERR_SOURCE_NOT_ALLOWED: { httpStatus: 403, retryable: false, message: 'Deliveries are only accepted from the addresses in webhookAllowCidrs; this request came from elsewhere' },
  WAHOOK_ERR_HANDSHAKE_REJECTED: { httpStatus: 403, retryable: false, message: 'Verification handshake rejected' },
  WAHOOK_ERR_STORE_UNAVAILABLE: { httpStatus: 503, retryable: true, message: 'The store could not commit the delivery; retry later' },
  WAHOOK_ERR_DISK_FULL: { httpStatus: 503, retryable: true, message: 'The data dir\'s filesystem has less free space than the reserve the gateway keeps (storeMinFreeMb); deliveries are refused until space is freed, retry after the Retry-After delay' },
  WAHOOK_ERR_SHUTTING_DOWN: { httpStatus: 503, retryable: true, message: 'The gateway is shutting down; retry later' },
  WAHOOK_ERR_ADMIN_UNAUTHORIZED: { httpStatus: 401, retryable: false, message: 'A valid admin bearer token is required' },
  WAHOOK_ERR_METRICS_UNAVAILABLE: { httpStatus: 503, retryable: true, message: 'The main process did not send the gateway\'s figures in time; the scrape is refused rather than answered with figures older than another receiving process may have served' },
  WAHOOK_ERR_ADMIN_REVEAL_DENIED: { httpStatus: 403, retryable: false, message: 'Full phone numbers are only returned to a request that carries the admin token as a bearer' },
  WAHOOK_ERR_CONFIG_INVALID: { httpStatus: 500, retryable: false, message: 'Configuration is invalid' },
  WAHOOK_ERR_CLI_USAGE: { httpStatus: 400, retryable: false, message: 'Invalid command-line usage' },
  WAHOOK_ERR_HANDLER_FAILED: { httpStatus: 500, retryable: true, message: 'A user handler threw' },
  WAHOOK_ERR_FORWARD_FAILED: { httpStatus: 502, retryable: true, message: 'Forwarding to the user endpoint failed' },
  WAHOOK_ERR_FORWARD_REJECTED: { httpStatus: 502, retryable: false, message: 'The user endpoint refused the event (a 4xx other than 408 and 429); not retried' },
  WAHOOK_ERR_EVENT_UNSERIALIZABLE: { httpStatus: 500, retryable: false, message: 'The event cannot be serialised as JSON; not retried' },
  WAHOOK_ERR_MEDIA_REFERENCE_INVALID: { httpStatus: 422, retryable: false, message: 'The media message carries no usable reference (a media id, or a URL with its key); not retried' },
  WAHOOK_ERR_MEDIA_NO_CREDENTIALS: { httpStatus: 500, retryable: false, message: 'No access token is configured for the tenant whose media this is; not retried' },
  WAHOOK_ERR_MEDIA_EXPIRED: { httpStatus: 410, retryable: false, message: 'The media id is older than the 7 days Meta keeps media; not retried' },
  WAHOOK_ERR_MEDIA_HOST_REFUSED: { httpStatus: 403, retryable: false, message: 'The media URL points at a host that is not allowed (media.hosts), or one that resolves to a private or loopback address; never fetched' },
  WAHOOK_ERR_MEDIA_TOO_LARGE: { httpStatus: 413, retryable: false, message: 'The media exceeds media.maxBytes; not retried' },
  WAHOOK_ERR_MEDIA_UNVERIFIABLE: { httpStatus: 422, retryable: false, message: 'The message carries no hash to verify the media against, so nothing was stored; not retried' },
  WAHOOK_ERR_MEDIA_INTEGRITY: { httpStatus: 502, retryable: true, message: 'The downloaded media failed its hash, size or MAC check; nothing was stored' },
  WAHOOK_ERR_MEDIA_RESOLVE_FAILED: { httpStatus: 502, retryable: true, message: 'The provider API did not return a download URL for the media' },
  WAHOOK_ERR_MEDIA_DOWNLOAD_FAILED: { httpStatus: 502, retryable: true, message: 'The media download failed' },
  WAHOOK_ERR_MEDIA_TIMEOUT: { httpStatus: 504, retryable: true, message: 'The media download did not connect, stalled, or ran past media.timeoutMs' },
  WAHOOK_ERR_MEDIA_STORAGE_FAILED: { httpStatus: 503, retryable: true, message: 'The media could not be written to its object storage' },
  WAHOOK_ERR_MEDIA_NOT_FOUND: { httpStatus: 404, retryable: false, message: 'No media item is recorded for this message id' },
  WAHOOK_ERR_PLANNER_INPUT: { httpStatus: 400, retryable: false, message: 'Cost planner input is invalid' },
  WAHOOK_ERR_SCHEMA_MISMATCH: { httpStatus: 500, retryable: false, message: 'The database schema does not match this wahook' },
  WAHOOK_ERR_QUEUE_MESSAGE_TOO_LARGE: { httpStatus: 413, retryable: false, message: 'The delivery is larger than a queue message and no large-delivery bucket is configured (WAHOOK_LARGE_DELIVERY_BUCKET)' },
  WAHOOK_ERR_QUEUE_MESSAGE_INVALID: { httpStatus: 500, retryable: false, message: 'A queue message is not a wahook delivery; it is left to the queue\'s dead-letter queue' },
  WAHOOK_ERR_CLAIM_CHECK_FAILED: { httpStatus: 503, retryable: true, message: 'The body of a large delivery could not be stored in or read from its bucket, or it no longer matches its digest' },
  WAHOOK_ERR_QUEUE_NOT_DURABLE: { httpStatus: 500, retryable: false, message: 'The queue server does not make a delivery durable before it answers (Redis needs appendonly yes and appendfsync always); wahook refuses to start on it unless queueDurability is relaxed' },
  WAHOOK_ERR_QUEUE_UNSUPPORTED: { httpStatus: 501, retryable: false, message: 'A queue is not a browsable log: this read needs a store that keeps deliveries (use the queue\'s own metrics for its depth and age)' },
  WAHOOK_ERR_LAMBDA_EVENT_UNSUPPORTED: { httpStatus: 400, retryable: false, message: 'The Lambda event is not an HTTP request from API Gateway, a function URL or an ALB' },
  WAHOOK_ERR_INTERNAL: { httpStatus: 500, retryable: true, message: 'Internal error' },
} as const satisfies Record<string, ErrorSpec>;

export type ErrorCode = keyof typeof CODES;

/**
 * @example
 * throw new GatewayError('WAHOOK_ERR_SIGNATURE_INVALID');
 * // e.httpStatus === 401, e.retryable === false
 */
export class GatewayError extends Error {
  readonly code: ErrorCode;
  readonly httpStatus: number;
  readonly retryable: boolean;

  constructor(code: ErrorCode, message?: string, options?: { cause?: unknown }) {
    const spec: ErrorSpec = CODES[code];
    super(message ?? spec.message, options);
    this.name = 'GatewayError';
    this.code = code;
    this.httpStatus = spec.httpStatus;
    this.retryable = spec.retryable;
  }

  /** The JSON body every HTTP error carries. Never includes request content. */
  toBody(): { error: { code: ErrorCode; message: string } } {
    return { error: { code: this.code, message: this.message } };
  }
}

export function isGatewayError(e: unknown): e is GatewayError {
  return e instanceof GatewayError;
}
