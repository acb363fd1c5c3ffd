/**
 * @module wahook — the public surface for code that runs beside the gateway:
 * typed handlers, the event types, signing and verification, and the pure
 * normaliser (useful in tests of your own handlers).
 */
export { defineHandlers, type EventHandler, type HandlerContext, type Handlers } from './pipeline/handlers.js';
export type { ContactFacts, DeliveryRef, EventHeader, EventKind, Provider, StatusValue, WahookEvent } from './core/events.js';
export { normalize, type NormalizeResult } from './core/normalize/index.js';
export { reduceStatuses, mergeStatus, STATUS_RANK } from './core/status.js';
export { signCloudApi, verifyCloudApi } from './core/signature.js';
export { standardWebhookHeaders } from './core/standard-webhooks.js';
export { CODES, GatewayError, type ErrorCode } from './core/errors.js';
