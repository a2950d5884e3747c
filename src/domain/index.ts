/**
 * The protocol's rules, pure (no I/O, no timers): `activestack-gateway/domain`.
 * `Client` is one socket's state machine (inputs in, effects out); the rest
 * are the parts it is made of, usable on their own.
 */
export { Client, reconnectIdOf, type ClientDeps, type ClientOptions } from './client.js';
export type * from './effects.js';
export { isAwaited } from './effects.js';
export { isResumable, RESUMABLE_CLOSE_REASONS, SERVER_CLOSE_REASONS, type CloseReason, type DisconnectNotice } from './close-reasons.js';
export { GATEWAY_ERROR_CODES, gatewayError, type GatewayError, type GatewayErrorCode } from './errors.js';
export { InboundLimits, type InboundLimitOptions, type InboundMessage, type Refusal } from './inbound-limits.js';
export {
  AgentRouter,
  DEFAULT_AUTHENTICATED_EVENTS,
  DEFAULT_UNAUTHENTICATED_EVENTS,
  type EventKind,
  type ReplyMeaning,
} from './agent-router.js';
export {
  LEGACY_KEY_OUTCOMES,
  MAX_KEY_LENGTH,
  ReconnectKeyCodec,
  type KeyFailure,
  type LegacyKeyOutcome,
  type OpenResult,
  type ReconnectKeyOptions,
} from './reconnect-key.js';
export { ResendTracker, type ResendOptions } from './resend-tracker.js';
export { MAX_EXISTING_CLIENT_IDS, newClientId, Session, type LoginData, type SessionFields, type SessionState } from './session.js';
export { TokenBucket } from './token-bucket.js';
