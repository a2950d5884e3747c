/**
 * What a Client asks the outside world to do. The domain decides, the
 * application executes: effects run in the order returned. An *awaited*
 * effect (consume, cancelConsume, checkRevocation, revoke) is always the
 * last of its list: the executor performs it and hands its outcome back to
 * `Client.resume`, which returns what comes next.
 */

import type { CloseReason } from './close-reasons.js';

export type { CloseReason } from './close-reasons.js';

/** Opaque handle of one broker delivery; the application knows what it is. */
export type DeliveryRef = unknown;

/** Socket events the gateway emits to a client. */
export type OutboundEvent = 'push' | 'gatewayError' | 'gatewayConnectAck' | 'ack' | 'gatewayDisconnect';

export interface EmitEffect {
  readonly type: 'emit';
  readonly event: OutboundEvent;
  readonly data: unknown;
  /** A re-send of a push the client has not acked yet (counted in metrics). */
  readonly resend?: true;
}

/**
 * Publish `body` to the agent `routingKey` with replyTo = clientId. Not
 * awaited (publishes pipeline). A publish made for a client's event
 * (`event` set) is reported back once the broker confirmed it, or it
 * failed (unreachable, nacked, returned, timed out, blocked): the executor
 * calls `Client.publishSettled(effect, ok)`, which decides what the client
 * is told. Composed requests (ConnectRequest, …) are not reported.
 */
export interface PublishEffect {
  readonly type: 'publish';
  readonly routingKey: string;
  readonly body: Record<string, unknown>;
  readonly replyTo: string;
  /** The client event it forwards; absent for requests the gateway composes. */
  readonly event?: string;
  readonly messageId?: string;
  /** The client asked for an `ack` once the broker has the message. */
  readonly sendAck?: boolean;
}

/** Declare and consume the reply queue `queue`. Awaited: outcome `consumed`. */
export interface ConsumeEffect {
  readonly type: 'consume';
  readonly queue: string;
}

/**
 * Cancel the client's consumer. Awaited: outcome `cancelled`. With
 * `discardQueue` the queue is then deleted if it is empty and unused
 * (never a message).
 */
export interface CancelConsumeEffect {
  readonly type: 'cancelConsume';
  readonly discardQueue: boolean;
}

/** Ask the session store whether a login session id was revoked. Awaited: outcome `revocation`. */
export interface CheckRevocationEffect {
  readonly type: 'checkRevocation';
  readonly sid: string;
}

/** Revoke a login session id for ttlMs, so every key of that login dies. Awaited: outcome `revoked`. */
export interface RevokeEffect {
  readonly type: 'revoke';
  readonly sid: string;
  readonly ttlMs: number;
}

export interface AckDeliveryEffect {
  readonly type: 'ackDelivery';
  readonly delivery: DeliveryRef;
  /** For a push the client acked: ms from its first emit to the ack. */
  readonly ackWaitMs?: number;
}

export interface RejectDeliveryEffect {
  readonly type: 'rejectDelivery';
  readonly delivery: DeliveryRef;
  /** true: back to the head of its queue; false: dropped (dead-lettered if configured). */
  readonly requeue: boolean;
}

/** Replace the client's single timer: call `Client.timerFired` after delayMs. */
export interface ScheduleEffect {
  readonly type: 'schedule';
  readonly delayMs: number;
}

/** Clear the client's timer. */
export interface CancelScheduleEffect {
  readonly type: 'cancelSchedule';
}

/**
 * Close the socket from the server side (the `gatewayDisconnect` notice
 * was emitted just before). `resumable` tells a transport with close codes
 * which one to use. The socket's close then comes back as `socketClosed`.
 */
export interface DisconnectSocketEffect {
  readonly type: 'disconnectSocket';
  readonly reason: CloseReason;
  readonly resumable: boolean;
}

/** Presence changed (connected, logged in or out): the store should know. Not awaited. */
export interface PresenceEffect {
  readonly type: 'presence';
  readonly clientId: string;
  readonly userId: string | undefined;
  readonly present: boolean;
}

/**
 * The login this client's session now carries (undefined: none). When that
 * sid is revoked anywhere, the client is closed (`logout`).
 */
export interface WatchSidEffect {
  readonly type: 'watchSid';
  readonly sid: string | undefined;
}

/** The client is finished: the executor releases what it holds for it. */
export interface DisposeEffect {
  readonly type: 'dispose';
  /** Why its socket closed (metrics). */
  readonly reason: CloseReason;
}

/** Something the operator should know (never contains keys or tokens, values cut short). */
export interface LogEffect {
  readonly type: 'log';
  readonly level: 'debug' | 'info' | 'warn' | 'error';
  readonly message: string;
  readonly detail?: Record<string, unknown>;
}

/** A count the operator should see in metrics (`name` from a closed set). */
export interface CountEffect {
  readonly type: 'count';
  readonly name: CountName;
  readonly label?: string;
}

export type CountName = 'bad-agent-message' | 'refused' | 'legacy-key';

export type AwaitedEffect = ConsumeEffect | CancelConsumeEffect | CheckRevocationEffect | RevokeEffect;

export type Effect =
  | EmitEffect
  | PublishEffect
  | AckDeliveryEffect
  | RejectDeliveryEffect
  | ScheduleEffect
  | CancelScheduleEffect
  | DisconnectSocketEffect
  | PresenceEffect
  | WatchSidEffect
  | DisposeEffect
  | LogEffect
  | CountEffect
  | AwaitedEffect;

/** The result of an awaited effect, handed back to `Client.resume`. */
export type Outcome =
  | { readonly type: 'consumed'; readonly ok: boolean }
  | { readonly type: 'cancelled' }
  | { readonly type: 'revocation'; readonly result: 'valid' | 'revoked' | 'unavailable' }
  | { readonly type: 'revoked'; readonly ok: boolean };

export function isAwaited(effect: Effect): effect is AwaitedEffect {
  return effect.type === 'consume' || effect.type === 'cancelConsume' || effect.type === 'checkRevocation' || effect.type === 'revoke';
}
