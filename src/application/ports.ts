/**
 * The ports: what the application needs of the outside world, in its own
 * terms. Each has an in-memory adapter and a real one, and both pass the
 * same contract suite in test/contract. Signatures use domain types only.
 */

// ---------------------------------------------------------------- MessageBus

/** One message delivered from a queue; stays unacknowledged until settled. */
export interface Delivery {
  readonly body: Buffer;
  readonly replyTo?: string;
  /** Acknowledge: the broker forgets it. Idempotent; no-op once settled or stale. */
  ack(): void;
  /**
   * Negative-acknowledge. requeue=true puts it back at the head of its queue
   * (redelivered to the next consumer); false drops it. Idempotent.
   */
  nack(requeue: boolean): void;
}

export interface ConsumerHandlers {
  onDelivery(delivery: Delivery): void;
  /** The broker cancelled the consumer (queue deleted). Not called on our own cancel(). */
  onCancelled(): void;
}

export interface CancelOptions {
  /**
   * After the consumer is cancelled, delete its queue, but only if it is
   * empty, no other consumer uses it and every delivery this consumer got
   * was already acked or dropped (one still unsettled, or handed back with
   * a requeue, keeps the queue). It never deletes a message: a queue the
   * broker will not delete that way (not empty, in use, or a type that
   * cannot be deleted conditionally, such as quorum queues) is kept. A
   * failure to delete is logged, not thrown. For queues nobody will read
   * again: a client that never logged in.
   */
  readonly discardQueue?: boolean;
}

export interface Consumer {
  /**
   * Stop receiving. Unsettled deliveries are NOT returned by this: nack them
   * first. Idempotent (options of a repeated call are ignored).
   */
  cancel(options?: CancelOptions): Promise<void>;
}

export interface PublishOptions {
  readonly replyTo: string;
}

/**
 * Reaching agents over a broker (RabbitMQ semantics).
 *
 * Delivery: publish resolves only once the broker confirmed the message and
 * it was routed to a queue; it rejects with a PublishError when the message
 * was returned as unroutable, nacked, or the bus is not connected. Nothing is
 * dropped silently. Ordering: per queue, FIFO; a requeued delivery goes back
 * to the head.
 * Disconnect: the real adapter reconnects by itself and re-establishes every
 * live consumer; deliveries unsettled at the time of a connection loss are
 * redelivered by the broker and their old handles become no-ops.
 */
export interface MessageBus {
  /** Publish to the default exchange with routing key = queue name. */
  publish(routingKey: string, body: Buffer, options: PublishOptions): Promise<void>;
  /**
   * Declare `queue` (not exclusive, not auto-deleted; durable per config)
   * and consume it with manual acks and the configured prefetch.
   */
  consume(queue: string, handlers: ConsumerHandlers): Promise<Consumer>;
  /** True while connected to the broker (readiness). */
  isConnected(): boolean;
  close(): Promise<void>;
}

/**
 * Why a publish failed: returned as unroutable, nacked by the broker, not
 * connected, the bus closed, the broker blocking publishers (resource
 * alarm: fail fast until it unblocks), or no confirm within the bus's
 * confirm timeout (the message may still reach its queue).
 */
export type PublishFailure = 'unroutable' | 'nacked' | 'not-connected' | 'closed' | 'blocked' | 'timeout';

export class PublishError extends Error {
  constructor(
    readonly reason: PublishFailure,
    readonly routingKey: string,
    options?: { cause?: unknown },
  ) {
    super(`publish to "${routingKey}" failed: ${reason}`, options);
    this.name = 'PublishError';
  }
}

// -------------------------------------------------------------- SessionStore

export interface PresenceEntry {
  readonly clientId: string;
  readonly userId?: string;
}

/**
 * Shared session state across instances: revocation of login sessions, and
 * presence (which clients are connected where).
 *
 * Revocation: once revoke(sid) resolved, isRevoked(sid) is true on every
 * instance until ttl passes. Presence entries of an instance expire when it
 * stops refreshing them (it died).
 */
export interface SessionStore {
  revoke(sid: string, ttlMs: number): Promise<void>;
  isRevoked(sid: string): Promise<boolean>;
  /** Record or update a connected client of `instance`. */
  setPresent(instance: string, entry: PresenceEntry): Promise<void>;
  setAbsent(instance: string, clientId: string): Promise<void>;
  /** Keep this instance's presence alive for ttlMs more. */
  refreshInstance(instance: string, ttlMs: number): Promise<void>;
  /** Connected clients over all live instances. */
  countClients(): Promise<number>;
  /** Distinct logged-in user ids over all live instances. */
  loggedInUsers(): Promise<string[]>;
  isConnected(): boolean;
  close(): Promise<void>;
}

// ------------------------------------------------------------ ControlChannel

export interface ControlReply {
  readonly instance: string;
  readonly pid: number;
  readonly command: string;
  readonly ok: boolean;
  readonly clients?: number;
  readonly error?: string;
}

/**
 * The operators' command bus (PROTOCOL §5). At-most-once, fan-out: every
 * subscriber of every instance receives each command published after it
 * subscribed.
 */
export interface ControlChannel {
  onCommand(handler: (line: string) => void): Promise<void>;
  sendCommand(line: string): Promise<void>;
  onReply(handler: (reply: ControlReply) => void): Promise<void>;
  sendReply(reply: ControlReply): Promise<void>;
  close(): Promise<void>;
}

// ------------------------------------------------------------- SocketChannel

/** One connected client socket, as the application sees it. */
export interface SocketChannel {
  readonly id: string;
  emit(event: string, data: unknown): void;
  /** Close the socket from the server side; onClose follows. Idempotent. */
  disconnect(): void;
  /** Every client event in arrival order; `bytes` is the raw packet size. */
  onEvent(handler: (event: string, payload: unknown, bytes: number) => void): void;
  onClose(handler: (reason: string) => void): void;
}

/** Accepts sockets. */
export interface SocketServer {
  onConnection(handler: (socket: SocketChannel) => void): void;
  /** Stop accepting new sockets (graceful restart/shutdown). */
  stopAccepting(): void;
}

// ------------------------------------------------------------ Clock, Logger

export interface TimerHandle {
  readonly id: number;
}

/** Time as a port: every timer goes through here so tests can count them. */
export interface Clock {
  now(): number;
  setTimer(delayMs: number, fn: () => void): TimerHandle;
  clearTimer(handle: TimerHandle): void;
}

export type LogLevel = 'trace' | 'debug' | 'info' | 'warn' | 'error' | 'fatal' | 'silent';

export interface Logger {
  trace(obj: Record<string, unknown> | string, msg?: string): void;
  debug(obj: Record<string, unknown> | string, msg?: string): void;
  info(obj: Record<string, unknown> | string, msg?: string): void;
  warn(obj: Record<string, unknown> | string, msg?: string): void;
  error(obj: Record<string, unknown> | string, msg?: string): void;
  child(bindings: Record<string, unknown>): Logger;
}

// ------------------------------------------------------------------- Metrics

/** What the gateway counts; the prom-client adapter exports it. */
export interface Metrics {
  clientsConnected(delta: number): void;
  messageIn(event: string): void;
  messageOut(kind: string): void;
  resend(): void;
  gatewayError(code: string): void;
  ackWait(ms: number): void;
  publishConfirm(ms: number): void;
  badAgentMessage(): void;
}

// --------------------------------------------------------------- DI tokens

export const TOKENS = {
  MessageBus: Symbol.for('MessageBus'),
  SessionStore: Symbol.for('SessionStore'),
  ControlChannel: Symbol.for('ControlChannel'),
  SocketServer: Symbol.for('SocketServer'),
  Clock: Symbol.for('Clock'),
  Logger: Symbol.for('Logger'),
  Metrics: Symbol.for('Metrics'),
  GatewayOptions: Symbol.for('GatewayOptions'),
} as const;
