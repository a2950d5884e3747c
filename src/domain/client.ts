import type { AgentRouter } from './agent-router.js';
import type { CloseReason, DeliveryRef, Effect, PublishEffect } from './effects.js';
import type { GatewayErrorCode } from './errors.js';
import { isPlainObject, stringField, type PlainObject } from './plain-object.js';
import { errorEmit, parseBody, reconnectIdOf, warn } from './client-inputs.js';
import type { KeyFailure, ReconnectKeyCodec } from './reconnect-key.js';
import { ResendTracker } from './resend-tracker.js';
import { Session, type SessionState } from './session.js';

export interface ClientOptions {
  resendIntervalMs: number;
  /** 0 = unlimited. */
  maxResends: number;
  sessionMaxAgeMs: number;
}

export { reconnectIdOf } from './client-inputs.js';

export type ReconnectResolution = { ok: true; state: SessionState } | { ok: false; reason: KeyFailure };

export interface ClientDeps {
  clientId: string;
  router: AgentRouter;
  keys: ReconnectKeyCodec;
  options: ClientOptions;
}

/**
 * One socket's state machine (PROTOCOL §2, §3.3). Inputs in, effects out;
 * the application executes the effects in order.
 */
export class Client {
  private current: Session;
  private isStarted = false;
  private isClosed = false;
  private readonly router: AgentRouter;
  private readonly keys: ReconnectKeyCodec;
  private readonly resends: ResendTracker;

  constructor(deps: ClientDeps) {
    this.current = Session.fresh(deps.clientId);
    this.router = deps.router;
    this.keys = deps.keys;
    this.resends = new ResendTracker(deps.options);
  }

  get clientId(): string {
    return this.current.clientId;
  }

  get session(): Session {
    return this.current;
  }

  get started(): boolean {
    return this.isStarted;
  }

  get closed(): boolean {
    return this.isClosed;
  }

  /** Deliveries awaiting the client's ack; 0 once closed. */
  get heldCount(): number {
    return this.resends.size;
  }

  /** Whether the client's resend timer should be running; false once closed. */
  get timerArmed(): boolean {
    return this.resends.armed;
  }

  setResendInterval(ms: number): void {
    this.resends.setInterval(ms);
  }

  // ------------------------------------------------------------ §2.1 message

  handleMessage(payload: unknown, now: number, reconnect?: ReconnectResolution): Effect[] {
    if (this.isClosed) return [];
    if (!isPlainObject(payload)) return [errorEmit('BAD_REQUEST')];
    const effects: Effect[] = [];
    for (const key of Object.keys(payload)) {
      const value = payload[key];
      switch (key) {
        case 'connect':
          effects.push(...this.onConnect());
          break;
        case 'reconnect':
          effects.push(...this.onReconnect(payload, reconnect));
          break;
        case 'ack':
          effects.push(...this.onAck(value, now));
          break;
        case 'hibernate':
          effects.push(...this.onHibernate());
          break;
        default:
          effects.push(warn('unknown special message ignored', { key }));
      }
    }
    effects.push(...this.sessionUpdate(now));
    return effects;
  }

  private onConnect(): Effect[] {
    if (this.isStarted) return [errorEmit('BAD_REQUEST')];
    return this.start();
  }

  private onReconnect(payload: PlainObject, resolution: ReconnectResolution | undefined): Effect[] {
    if (this.isStarted) return [errorEmit('BAD_REQUEST')];
    const id = reconnectIdOf(payload);
    if (id === undefined || resolution === undefined || !resolution.ok) {
      let reason: string = 'malformed';
      if (id !== undefined) reason = resolution === undefined ? 'unresolved' : resolution.ok ? 'ok' : resolution.reason;
      return [
        { type: 'log', level: 'info', message: 'invalid reconnect key', detail: { reason } },
        errorEmit('INVALID_RECONNECT_KEY'),
        ...this.start(),
      ];
    }
    this.current = Session.resumed(resolution.state, this.current.clientId);
    const effects = this.start();
    const s = this.current;
    if (s.isLoggedIn && s.state.existingClientId !== undefined && s.state.existingClientId !== s.clientId) {
      effects.push(this.agentPublish('reconnect', this.router.reconnectRequest(s)));
    }
    return effects;
  }

  /** The queue is consumed (awaited) before anything goes to agents: the backend moves old messages into it. */
  private start(): Effect[] {
    this.isStarted = true;
    return [{ type: 'consume', queue: this.current.clientId }, this.presence(true)];
  }

  private onAck(value: unknown, now: number): Effect[] {
    if (!this.isStarted) return [errorEmit('NOT_CONNECTED')];
    const id = isPlainObject(value) ? stringField(value, 'correspondingMessageId') : undefined;
    if (id === undefined) return [errorEmit('BAD_REQUEST')];
    const { released, effects } = this.resends.release(id, now);
    if (released === 0) return [warn('ack for an unknown message id', { correspondingMessageId: id })];
    return effects;
  }

  private onHibernate(): Effect[] {
    if (!this.isStarted) return [errorEmit('NOT_CONNECTED')];
    return [this.agentPublish('hibernate', this.router.hibernateRequest(this.current))];
  }

  // ------------------------------------------------------------ §2.2 events

  handleEvent(event: string, payload: unknown, now: number): Effect[] {
    if (this.isClosed) return [];
    const effects = this.forward(event, payload);
    if (event === 'logout') effects.push(...this.logout(now));
    return effects;
  }

  private forward(event: string, payload: unknown): Effect[] {
    const plain = isPlainObject(payload);
    const messageId = plain ? stringField(payload, 'messageId') : undefined;
    const refuse = (code: GatewayErrorCode): Effect[] => [errorEmit(code, { event, messageId })];
    if (!this.isStarted) return refuse('NOT_CONNECTED');
    const kind = this.router.classify(event);
    if (kind === 'unknown') return refuse('UNKNOWN_EVENT');
    if (!plain) return refuse('BAD_REQUEST');
    const sendAck = Object.prototype.hasOwnProperty.call(payload, 'sendAck') && payload.sendAck === true;
    if (sendAck && messageId === undefined) return refuse('BAD_REQUEST');
    if (kind === 'authenticated' && !this.current.isLoggedIn) return refuse('UNAUTHENTICATED');
    return [
      {
        type: 'publish',
        routingKey: event,
        body: this.current.stamp(payload, kind === 'authenticated'),
        replyTo: this.current.clientId,
        onConfirmed: sendAck && messageId !== undefined ? [{ type: 'emit', event: 'ack', data: messageId }] : [],
        onFailed: [errorEmit('AGENT_UNAVAILABLE', { event, messageId })],
      },
    ];
  }

  /** §2.4, whatever the payload was. */
  private logout(now: number): Effect[] {
    const effects: Effect[] = [];
    if (this.isStarted && this.current.isLoggedIn) {
      effects.push(this.agentPublish('disconnectAuth', this.router.disconnectAuthRequest(this.current)));
      const sid = this.current.logout();
      if (sid !== undefined) effects.push({ type: 'revoke', sid });
      effects.push(...this.sessionUpdate(now), this.presence(true));
    }
    effects.push({ type: 'disconnectSocket', reason: 'logout' });
    return effects;
  }

  // ------------------------------------------------------ §3.3 reply queue

  handleDelivery(delivery: DeliveryRef, body: Buffer | string, now: number): Effect[] {
    // The socket is gone: the broker keeps the message for the next session.
    if (this.isClosed) return [{ type: 'rejectDelivery', delivery, requeue: true }];
    const message = parseBody(body);
    if (!message) {
      return [
        warn('agent message is not a JSON object; dropped'),
        { type: 'rejectDelivery', delivery, requeue: false },
      ];
    }
    const meaning = this.router.interpretReply(message, this.current.clientId);
    if (meaning.kind === 'eol') {
      if (meaning.ignore) return [{ type: 'ackDelivery', delivery }];
      return [{ type: 'ackDelivery', delivery }, ...this.endByServer('eol', now)];
    }

    const effects: Effect[] = [];
    const s = this.current;
    if (meaning.kind === 'login') {
      s.login(meaning.login);
      const followUp = this.router.loginFollowUp(s);
      effects.push(this.agentPublish(followUp.routingKey, followUp.body), this.presence(true));
    } else if (meaning.kind === 'logout') {
      const wasLoggedIn = s.isLoggedIn;
      s.logout();
      if (wasLoggedIn) effects.push(this.presence(true));
    } else if (meaning.kind === 'reconnect-response') {
      const wasLoggedIn = s.isLoggedIn;
      if (meaning.logout) s.logout();
      s.clearExistingClientId();
      if (wasLoggedIn && !s.isLoggedIn) effects.push(this.presence(true));
    }

    effects.push({ type: 'emit', event: 'push', data: message }, ...this.sessionUpdate(now));
    const correspondingMessageId = stringField(message, 'correspondingMessageId');
    if (correspondingMessageId === undefined) effects.push({ type: 'ackDelivery', delivery });
    else effects.push(...this.resends.hold(correspondingMessageId, delivery, message, now));
    return effects;
  }

  /** The broker cancelled the consumer (queue deleted): ends the client like an EOL. */
  handleConsumerCancelled(now: number): Effect[] {
    if (this.isClosed) return [];
    return [{ type: 'log', level: 'info', message: 'consumer cancelled by the broker' }, ...this.endByServer('eol', now)];
  }

  tick(now: number): Effect[] {
    if (this.isClosed) return [];
    return this.resends.tick(now);
  }

  // ---------------------------------------------------------------- close

  /** §2.4 socket closed: nothing is lost. Idempotent. */
  close(reason: CloseReason, now: number): Effect[] {
    void now;
    if (this.isClosed) return [];
    this.isClosed = true;
    const effects: Effect[] = [
      this.agentPublish('disconnect', this.router.disconnectRequest(this.current)),
    ];
    const { deliveries, effects: timer } = this.resends.drain();
    // Cancel first: a requeued delivery would otherwise go straight back to
    // this same consumer. Cancelling alone does not return what it holds,
    // so the held deliveries are nacked once it is cancelled.
    if (this.isStarted) effects.push({ type: 'cancelConsume' });
    for (const delivery of deliveries) effects.push({ type: 'rejectDelivery', delivery, requeue: true });
    effects.push(...timer);
    if (this.isStarted) effects.push(this.presence(false));
    effects.push({ type: 'log', level: 'debug', message: 'client closed', detail: { reason } });
    effects.push({ type: 'dispose' });
    return effects;
  }

  /** EOL or consumer gone: run the close, and drop the socket before the client is forgotten. */
  private endByServer(reason: CloseReason, now: number): Effect[] {
    const closing = this.close(reason, now);
    const dispose = closing.pop();
    closing.push({ type: 'disconnectSocket', reason });
    if (dispose) closing.push(dispose);
    return closing;
  }

  // -------------------------------------------------------------- helpers

  /** §2.3: at most one key per input, only once the client is started. */
  private sessionUpdate(now: number): Effect[] {
    if (!this.isStarted || !this.current.isDirty) return [];
    const key = this.keys.seal(this.current.state, now);
    this.current.markClean();
    return [{ type: 'emit', event: 'gatewayConnectAck', data: key }];
  }

  private presence(present: boolean): Effect {
    return { type: 'presence', clientId: this.current.clientId, userId: this.current.state.userId, present };
  }

  private agentPublish(routingKey: string, body: Record<string, unknown>): PublishEffect {
    return { type: 'publish', routingKey, body, replyTo: this.current.clientId, onConfirmed: [], onFailed: [] };
  }
}
