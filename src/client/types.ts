/** What the reconnect key's public part tells about the session (PROTOCOL §4). */
export interface PublicSession {
  readonly clientId: string;
  readonly userId?: string;
  readonly deviceId?: string;
  readonly savedAt?: number;
}

/** A message the gateway pushed from an agent (PROTOCOL §3.3). */
export interface PushMessage {
  readonly cn?: string;
  readonly correspondingMessageId?: string;
  readonly [field: string]: unknown;
}

/** The `gatewayError` payload (PROTOCOL §6). */
export interface GatewayErrorPayload {
  readonly code: string;
  readonly message: string;
  readonly event?: string;
  readonly messageId?: string;
}

/** Where the reconnect key is kept between connections (and page loads). */
export interface KeyStorage {
  get(): string | null;
  set(key: string): void;
  clear(): void;
}

export interface ReconnectOptions {
  /** First retry delay, before jitter. */
  readonly initialMs: number;
  /** Cap of the doubling delay. */
  readonly maxMs: number;
}

/** Why the gateway closed a socket (PROTOCOL §8); `resumable` says whether to come back with the key. */
export type CloseReason =
  | 'logout'
  | 'eol'
  | 'resend-limit'
  | 'rate-limited'
  | 'store-unavailable'
  | 'broker-unavailable'
  | 'server-shutdown'
  | (string & {});

/** The `gatewayDisconnect` payload. */
export interface DisconnectNotice {
  readonly reason: CloseReason;
  readonly resumable: boolean;
}

export interface ClientOptions {
  /** Gateway origin, e.g. `http://127.0.0.1:8080`. */
  readonly url: string;
  /** Socket.IO path; `/socket.io` by default. */
  readonly path?: string;
  /**
   * Socket.IO transports, in the order tried; `['websocket']` by default.
   * `['polling', 'websocket']` starts with HTTP long-polling and upgrades
   * (for networks that block WebSocket).
   */
  readonly transports?: Array<'polling' | 'websocket'>;
  readonly storage?: KeyStorage;
  readonly reconnect?: ReconnectOptions;
  /** Requests kept while disconnected; 100 by default. */
  readonly queueLimit?: number;
  /** Default `request` timeout; 30 s by default. */
  readonly requestTimeoutMs?: number;
  /** How many handled push ids are remembered to drop re-sent copies; 1000 by default. */
  readonly dedupWindow?: number;
  /**
   * How long a connection attempt may take, from opening the socket to the
   * gateway's `gatewayConnectAck`; 15 s by default. Past it the socket is
   * dropped and the client tries again (an `error` event with code
   * HANDSHAKE_TIMEOUT says so): a connection that opened but is never
   * answered does not leave the client waiting forever.
   */
  readonly handshakeTimeoutMs?: number;
}

export interface RequestOptions {
  readonly timeout?: number;
}

/** Given to push handlers: `holdAck()` opts out of the automatic ack. */
export interface PushContext {
  /** The ack is sent once every holder called the returned function. */
  holdAck(): () => void;
}

export type PushHandler = (push: PushMessage, ctx: PushContext) => void;

export type SessionChange = 'connected' | 'restored' | 'fresh' | 'changed';

export interface ClientEvents {
  push: PushHandler;
  session: (session: PublicSession, change: SessionChange) => void;
  error: (error: Error & { code: string }) => void;
  /** The socket closed: the gateway's close reason when it gave one, else socket.io-client's. */
  disconnect: (reason: string) => void;
  /**
   * The gateway ended the session and said not to come back (logout, eol,
   * rate-limited): the client stopped. `connect()` starts a fresh session.
   */
  closed: (info: { reason: CloseReason; resumable: false }) => void;
  /** The session came back after a drop; `restored` false when the key was refused. */
  reconnect: (info: { session: PublicSession; restored: boolean }) => void;
  /** A copy of an already handled push was dropped (the gateway re-sent it, or the broker redelivered it). */
  duplicate: (push: PushMessage) => void;
}
