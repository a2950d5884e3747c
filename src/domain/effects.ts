/**
 * What a Client asks the outside world to do. The domain decides, the
 * application executes: effects are executed in the order returned; those
 * marked "awaited" must finish before the next effect runs.
 */

/** Opaque handle of one broker delivery; the application knows what it is. */
export type DeliveryRef = unknown;

/** Socket events the gateway emits to a client. */
export type OutboundEvent = 'push' | 'gatewayError' | 'gatewayConnectAck' | 'ack';

export interface EmitEffect {
  readonly type: 'emit';
  readonly event: OutboundEvent;
  readonly data: unknown;
  /** A re-send of a push the client has not acked yet (counted in metrics). */
  readonly resend?: true;
}

/**
 * Publish `body` to the agent `routingKey` with replyTo = clientId.
 * Not awaited (publishes pipeline); once the broker confirmed it the
 * application runs `onConfirmed`, if it failed (unreachable, nacked,
 * returned) it runs `onFailed`.
 */
export interface PublishEffect {
  readonly type: 'publish';
  readonly routingKey: string;
  readonly body: Record<string, unknown>;
  readonly replyTo: string;
  readonly onConfirmed: readonly EmitEffect[];
  readonly onFailed: readonly EmitEffect[];
}

/** Declare and consume the reply queue `queue`. Awaited. */
export interface ConsumeEffect {
  readonly type: 'consume';
  readonly queue: string;
}

/** Cancel the client's consumer (after its deliveries were settled). Awaited. */
export interface CancelConsumeEffect {
  readonly type: 'cancelConsume';
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

/** (Re)arm the client's single resend timer: fire `tick` after delayMs. */
export interface ScheduleEffect {
  readonly type: 'schedule';
  readonly delayMs: number;
}

export interface CancelScheduleEffect {
  readonly type: 'cancelSchedule';
}

/** Revoke a login session id so every key issued since that login dies. Awaited. */
export interface RevokeEffect {
  readonly type: 'revoke';
  readonly sid: string;
}

/** Disconnect the socket (the close input follows from the socket layer). */
export interface DisconnectSocketEffect {
  readonly type: 'disconnectSocket';
  readonly reason: CloseReason;
}

/** Presence changed (connected, logged in or out): the store should know. */
export interface PresenceEffect {
  readonly type: 'presence';
  readonly clientId: string;
  readonly userId: string | undefined;
  readonly present: boolean;
}

/** The client is finished: the application forgets it. Always last. */
export interface DisposeEffect {
  readonly type: 'dispose';
}

/** Something the operator should know (never contains keys or tokens). */
export interface LogEffect {
  readonly type: 'log';
  readonly level: 'debug' | 'info' | 'warn' | 'error';
  readonly message: string;
  readonly detail?: Record<string, unknown>;
}

export type Effect =
  | EmitEffect
  | PublishEffect
  | ConsumeEffect
  | CancelConsumeEffect
  | AckDeliveryEffect
  | RejectDeliveryEffect
  | ScheduleEffect
  | CancelScheduleEffect
  | RevokeEffect
  | DisconnectSocketEffect
  | PresenceEffect
  | DisposeEffect
  | LogEffect;

/**
 * Why a client's socket closed. After the resumable ones the client is
 * expected to come back with its reconnect key.
 */
export type CloseReason =
  | 'client-gone' // the client closed or the network dropped
  | 'logout' // §2.4
  | 'eol' // agent sent EOL, or the broker cancelled the consumer
  | 'resend-limit' // client never acked (frontend.maxResends)
  | 'rate-limited' // kept flooding after RATE_LIMITED
  | 'store-unavailable' // a reconnect key could not be checked for revocation: retry with it
  | 'server-shutdown'; // drain on restart/shutdown

export const RESUMABLE_CLOSE_REASONS: ReadonlySet<CloseReason> = new Set<CloseReason>([
  'client-gone',
  'resend-limit',
  'store-unavailable',
  'server-shutdown',
]);
