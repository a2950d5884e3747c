export { ActiveStackClient, createClient } from './client.js';
export { ActiveStackError, type ClientErrorCode } from './client-error.js';
export { localStorageKeyStorage, memoryKeyStorage } from './key-storage.js';
export { decodePublicSession } from './public-session.js';
export { backoffDelay } from './backoff.js';
export type {
  ClientEvents,
  ClientOptions,
  CloseReason,
  DisconnectNotice,
  GatewayErrorPayload,
  KeyStorage,
  PublicSession,
  PushContext,
  PushHandler,
  PushMessage,
  ReconnectOptions,
  RequestOptions,
  SessionChange,
} from './types.js';
