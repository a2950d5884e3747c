import type { CloseReason } from '../domain/close-reasons.js';
import type { OutboundEvent } from '../domain/effects.js';
import type { InboundMessage } from '../domain/inbound-limits.js';
import type { LegacyKeyOutcome } from '../domain/reconnect-key.js';
import type { WorkerStats } from './stats/stats-sample.js';

export type { CloseReason } from '../domain/close-reasons.js';
export type { OutboundEvent } from '../domain/effects.js';
export type { InboundMessage } from '../domain/inbound-limits.js';

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

/** Why a consumer ended without our cancel() (see ConsumerHandlers.onCancelled). */
export type ConsumerEnd = 'deleted' | 'unavailable';

export interface ConsumerHandlers {
  onDelivery(delivery: Delivery): void;
  /**
   * The consumer ended without our cancel(): `deleted`, its queue is gone
   * (deleted by someone); `unavailable`, the queue cannot be consumed now
   * but was not deleted (its broker node is down, or the broker refused to
   * consume it again after a reconnect).
   */
  onCancelled(why: ConsumerEnd): void;
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
   * after it resolved (nacked before, they would come straight back to this
   * consumer). Idempotent (options of a repeated call are ignored).
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

/** Told of revocations made anywhere (see SessionStore.watchRevocations). */
export interface RevocationWatcher {
  /** `sid` was revoked, on this instance or another. */
  revoked(sid: string): void;
  /**
   * Revocations may have been missed (the subscription was lost and is
   * back): re-check the sids you care about with isRevoked.
   */
  resync(): void;
}

/** One live instance's presence: its connected clients, and how many of them are logged in. */
export interface InstancePresence {
  readonly instance: string;
  readonly clients: number;
  readonly loggedIn: number;
}

/**
 * Shared session state across instances: revocation of login sessions, and
 * presence (which clients are connected where).
 *
 * Revocation: once revoke(sid) resolved, isRevoked(sid) is true on every
 * instance until ttl passes, and every watcher of every instance is told
 * (at most once, as it happens). Presence entries of an instance expire
 * when it stops refreshing them (it died).
 */
export interface SessionStore {
  /**
   * Revoke `sid` for ttlMs. If it rejects (the store is away), the store
   * keeps the revocation, answers isRevoked(sid) true on this instance at
   * once, tells this instance's watchers, and writes it again until it is
   * taken or expired.
   */
  revoke(sid: string, ttlMs: number): Promise<void>;
  isRevoked(sid: string): Promise<boolean>;
  /**
   * Be told of every revocation from now on. The store subscribes in the
   * background, again after every outage, and calls `resync` each time it
   * is (re)subscribed. The returned function stops the watching.
   */
  watchRevocations(watcher: RevocationWatcher): () => void;
  /** Record or update a connected client of `instance`. */
  setPresent(instance: string, entry: PresenceEntry): Promise<void>;
  setAbsent(instance: string, clientId: string): Promise<void>;
  /** Keep this instance's presence alive for ttlMs more. */
  refreshInstance(instance: string, ttlMs: number): Promise<void>;
  /** Connected clients over all live instances. */
  countClients(): Promise<number>;
  /** Distinct logged-in user ids over all live instances. */
  loggedInUsers(): Promise<string[]>;
  /** Every live instance with its client counts (the admin page). */
  presenceByInstance(): Promise<InstancePresence[]>;
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
  /** Echoes the id of a request that carried one (the admin bus's `stats <id> <since>`). */
  readonly requestId?: string;
  /** A worker's status and recent history, in answer to `stats`. */
  readonly stats?: WorkerStats;
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

/**
 * One connected client socket, whatever the transport: what a transport
 * hands to the gateway core. A transport knows framing, heartbeats, size on
 * the wire and close codes; nothing of the protocol.
 *
 * Ordering: messages are reported in arrival order, and `onClose` after the
 * last of them. Every handler is registered once, right after `accept`.
 */
export interface SocketChannel {
  /** Unique among this process's sockets (logs). */
  readonly id: string;
  /** 'socket.io', 'websocket', or the embedder's own name (logs, metrics). */
  readonly transport: string;
  /** Send one event; a no-op once the socket is closed. */
  send(event: OutboundEvent, data: unknown): void;
  /**
   * Close from the server side, after `gatewayDisconnect` was sent; a
   * transport with close codes uses `resumable` to choose (WebSocket: 4000
   * resume, 4001 do not). `onClose` follows. Idempotent.
   */
  close(reason: CloseReason, resumable: boolean): void;
  /** Every message the client sends, measured on the wire before parsing. */
  onMessage(handler: (message: InboundMessage) => void): void;
  /** The socket is gone (client left, network, or our close); `cause` is for logs. */
  onClose(handler: (cause: string) => void): void;
}

/** Where transports hand their sockets: the gateway core. */
export interface ChannelAcceptor {
  accept(channel: SocketChannel): void;
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
  /** A reconnect key of the original gateway was presented (migration window, PROTOCOL §4). */
  legacyKey(outcome: LegacyKeyOutcome): void;
  /** Agent deliveries held unsettled (pushed, awaiting the client's ack): +1 on arrival, -1 once acked or rejected. */
  deliveriesHeld(delta: number): void;
  /** A delivery handed back to the broker, to be delivered again (its client went before acking it). */
  requeue(): void;
  /** A publish to an agent failed, by PublishFailure (or 'error'). */
  publishFailed(reason: string): void;
  /** A client's socket is gone, by close reason. */
  clientClosed(reason: string): void;
}

// --------------------------------------------------------------- DI tokens

export const TOKENS = {
  MessageBus: Symbol.for('MessageBus'),
  SessionStore: Symbol.for('SessionStore'),
  ControlChannel: Symbol.for('ControlChannel'),
  Clock: Symbol.for('Clock'),
  Logger: Symbol.for('Logger'),
  Metrics: Symbol.for('Metrics'),
  GatewaySettings: Symbol.for('GatewaySettings'),
} as const;
