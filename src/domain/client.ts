import type { AgentRouter } from './agent-router.js';
import { isResumable, type CloseReason } from './close-reasons.js';
import { isAwaited, type DeliveryRef, type Effect, type Outcome, type PublishEffect } from './effects.js';
import { errorEmit, parseBody, unknownKeysWarning, warn } from './client-inputs.js';
import { InboundLimits, type InboundLimitOptions, type InboundMessage, type Refusal } from './inbound-limits.js';
import { isPlainObject, stringField, type PlainObject } from './plain-object.js';
import { legacyKeyOutcome, type KeyFailure, type LegacyKeyOutcome, type ReconnectKeyCodec } from './reconnect-key.js';
import { ResendTracker } from './resend-tracker.js';
import { Session, type SessionState } from './session.js';

export interface ClientOptions {
  resendIntervalMs: number;
  /** 0 = unlimited. */
  maxResends: number;
  limits: InboundLimitOptions;
}

export { reconnectIdOf } from './client-inputs.js';

export interface ClientDeps {
  clientId: string;
  router: AgentRouter;
  keys: ReconnectKeyCodec;
  options: ClientOptions;
  /** When the socket was accepted (starts the rate limit's clock). */
  now: number;
}

/** An awaited effect in flight, and what follows it once it succeeded. */
interface Waiting {
  readonly on: Effect['type'];
  readonly rest: Effect[];
}

/** A `message` payload stopped at its `reconnect` key while the key's revocation is checked. */
interface SuspendedMessage {
  readonly payload: PlainObject;
  readonly keys: string[];
  readonly index: number;
  readonly state: SessionState;
  /** A key of the original gateway (counted once its revocation check is back). */
  readonly legacy: boolean;
}

const NONE: Effect[] = [];

/**
 * One socket's state machine (PROTOCOL §2, §3.3, §6, §8), and the only
 * place that decides anything about it. Inputs in, effects out. Effects run
 * in order; an awaited one ends its list and its outcome comes back through
 * `resume`. Inputs that arrive meanwhile wait in the client's inbox, so the
 * executor needs no queue and no rule of its own.
 */
export class Client {
  private current: Session;
  private isStarted = false;
  private isClosed = false;
  /** The socket is closed or closing: nothing reaches the client any more. */
  private socketGone = false;
  private closingReason: CloseReason | undefined;
  /** Whether the reply queue may have messages for a later session. */
  private everLoggedIn = false;
  /** The sid last reported with `watchSid`. */
  private watchedSid: string | undefined;
  private waiting: Waiting | undefined;
  private suspended: SuspendedMessage | undefined;
  private inbox: Array<(now: number) => Effect[]> | undefined;
  private readonly router: AgentRouter;
  private readonly keys: ReconnectKeyCodec;
  private readonly resends: ResendTracker;
  private readonly limits: InboundLimits;
  private readonly inboxLimit: number;

  constructor(deps: ClientDeps) {
    this.current = Session.fresh(deps.clientId);
    this.router = deps.router;
    this.keys = deps.keys;
    this.resends = new ResendTracker(deps.options);
    this.limits = new InboundLimits(deps.options.limits, deps.now);
    this.inboxLimit = Math.max(16, deps.options.limits.burst);
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

  /** Whether an awaited effect is in flight (its outcome is due through `resume`). */
  get busy(): boolean {
    return this.waiting !== undefined;
  }

  setResendInterval(ms: number): void {
    this.resends.setInterval(ms);
  }

  // ---------------------------------------------------------------- inputs

  /** A message from the socket (§2, §6): admitted or refused on arrival, then handled in order. */
  receive(message: InboundMessage, now: number): Effect[] {
    if (this.socketGone) return NONE;
    const refusal = this.limits.admit(message, now);
    if (refusal) return this.refuse(refusal, message, now);
    if (this.waiting) {
      if (this.inbox !== undefined && this.inbox.length >= this.inboxLimit) return this.refuse(this.limits.overflow(), message, now);
      return this.defer((at) => this.dispatch(message.event!, message.payload, at));
    }
    return this.settle(this.dispatch(message.event!, message.payload, now));
  }

  /** A message from the client's reply queue (§3.3). */
  delivery(delivery: DeliveryRef, body: Buffer | string, now: number): Effect[] {
    if (this.waiting) return this.defer((at) => this.handleDelivery(delivery, body, at));
    return this.settle(this.handleDelivery(delivery, body, now));
  }

  /**
   * The consumer ended without our cancel. Its queue deleted ends the
   * client like an EOL (§3.3); a queue that is only unavailable (its broker
   * node is down) closes it resumable, `broker-unavailable`: the client
   * comes back with its key and its queue is consumed again.
   */
  consumerCancelled(now: number, queueDeleted: boolean): Effect[] {
    if (this.waiting) return this.defer((at) => this.onConsumerCancelled(at, queueDeleted));
    return this.settle(this.onConsumerCancelled(now, queueDeleted));
  }

  /** The timer asked for by the last `schedule` fired. */
  timerFired(now: number): Effect[] {
    if (this.waiting) return this.defer((at) => this.onTimer(at));
    return this.settle(this.onTimer(now));
  }

  /** The socket closed, for whatever reason (§2.4). */
  socketClosed(now: number): Effect[] {
    this.socketGone = true;
    if (this.waiting) return this.defer((at) => this.close(at));
    return this.settle(this.close(now));
  }

  /**
   * The server closes this socket (drain, shutdown, logout elsewhere): the
   * client is told why at once, and its close runs as soon as nothing is
   * awaited (the socket's own close then changes nothing).
   */
  serverClose(reason: CloseReason, now: number): Effect[] {
    if (this.socketGone) return NONE;
    const notice = this.closeByServer(reason);
    if (this.waiting) {
      this.defer((at) => this.close(at));
      return notice;
    }
    return this.settle([...notice, ...this.close(now)]);
  }

  /** The outcome of the awaited effect that ended the last list. */
  resume(outcome: Outcome, now: number): Effect[] {
    const waiting = this.waiting;
    if (!waiting) return NONE;
    this.waiting = undefined;
    const out = this.settle(this.afterAwait(waiting, outcome, now));
    while (!this.waiting && this.inbox !== undefined && this.inbox.length > 0) {
      const next = this.inbox.shift()!;
      for (const e of this.settle(next(now))) out.push(e);
    }
    return out;
  }

  private afterAwait(waiting: Waiting, outcome: Outcome, now: number): Effect[] {
    switch (outcome.type) {
      case 'consumed':
        return outcome.ok ? waiting.rest : this.consumeFailed(now);
      case 'revocation':
        return this.continueReconnect(outcome.result, now);
      case 'revoked':
        if (outcome.ok) return waiting.rest;
        return [
          { type: 'log', level: 'warn', message: 'revocation not yet taken by the session store: it keeps it and retries' },
          ...waiting.rest,
        ];
      case 'cancelled':
        return waiting.rest;
    }
  }

  /** Runs effects up to the first awaited one; the rest waits for its outcome. */
  private settle(effects: Effect[]): Effect[] {
    for (let i = 0; i < effects.length; i++) {
      const effect = effects[i]!;
      if (!isAwaited(effect)) continue;
      this.waiting = { on: effect.type, rest: effects.slice(i + 1) };
      return i === effects.length - 1 ? effects : effects.slice(0, i + 1);
    }
    return effects;
  }

  private defer(input: (now: number) => Effect[]): Effect[] {
    (this.inbox ??= []).push(input);
    return NONE;
  }

  private dispatch(event: string, payload: unknown, now: number): Effect[] {
    if (event === 'message') return this.handleMessage(payload, now);
    const effects = this.forward(event, payload);
    if (event === 'logout') for (const e of this.logout(now)) effects.push(e);
    return effects;
  }

  private refuse(refusal: Refusal, message: InboundMessage, now: number): Effect[] {
    const event = message.event !== undefined && message.event !== 'message' ? message.event : undefined;
    const messageId = isPlainObject(message.payload) ? stringField(message.payload, 'messageId') : undefined;
    const effects: Effect[] = [errorEmit(refusal.code, { event, messageId })];
    if (!refusal.disconnect) return effects;
    effects.push(warn('client keeps sending what is refused: disconnecting'), ...this.closeByServer('rate-limited'));
    if (this.waiting) {
      this.defer((at) => this.close(at));
      return effects;
    }
    return this.settle([...effects, ...this.close(now)]);
  }

  // ------------------------------------------------------------ §2.1 message

  private handleMessage(payload: unknown, now: number): Effect[] {
    if (!isPlainObject(payload)) return [errorEmit('BAD_REQUEST')];
    return this.messageKeys(payload, Object.keys(payload), 0, [], now);
  }

  /** Each key in order; stops at a reconnect key whose revocation must be checked. */
  private messageKeys(payload: PlainObject, keys: string[], from: number, effects: Effect[], now: number): Effect[] {
    let unknown: string[] | undefined;
    for (let i = from; i < keys.length; i++) {
      const key = keys[i]!;
      let step: Effect[];
      switch (key) {
        case 'connect':
          step = this.isStarted ? [errorEmit('BAD_REQUEST')] : this.start();
          break;
        case 'reconnect': {
          const opened = this.openReconnect(payload.reconnect, now);
          if ('check' in opened) {
            this.suspended = { payload, keys, index: i, state: opened.check, legacy: opened.legacy };
            effects.push({ type: 'checkRevocation', sid: opened.check.sid! });
            return effects;
          }
          step = opened.effects;
          break;
        }
        case 'ack':
          step = this.onAck(payload.ack, now);
          break;
        case 'hibernate':
          step = this.isStarted ? [this.agentPublish('hibernate', this.router.hibernateRequest(this.current))] : [errorEmit('NOT_CONNECTED')];
          break;
        default:
          (unknown ??= []).push(key);
          continue;
      }
      for (const e of step) effects.push(e);
    }
    if (unknown) effects.push(unknownKeysWarning(unknown));
    for (const e of this.sessionUpdate(now)) effects.push(e);
    return effects;
  }

  /** §2.1, §4: a valid key resumes; a logged-in one is checked for revocation first. */
  private openReconnect(value: unknown, now: number): { effects: Effect[] } | { check: SessionState; legacy: boolean } {
    if (this.isStarted) return { effects: [errorEmit('BAD_REQUEST')] };
    const id = isPlainObject(value) ? stringField(value, 'reconnectId') : undefined;
    if (id === undefined) return { effects: this.invalidKey('malformed') };
    const opened = this.keys.open(id, now);
    const legacy = opened.legacy === true;
    if (!opened.ok) return { effects: [...legacyCount(legacyKeyOutcome(opened)), ...this.invalidKey(opened.reason)] };
    if (opened.state.sid !== undefined) return { check: opened.state, legacy };
    return { effects: [...legacyCount(legacyKeyOutcome(opened)), ...this.resumeSession(opened.state)] };
  }

  private continueReconnect(result: 'valid' | 'revoked' | 'unavailable', now: number): Effect[] {
    const s = this.suspended!;
    this.suspended = undefined;
    if (result === 'unavailable') {
      // Neither valid nor invalid: the session survives, the client retries with the same key.
      return [
        warn('revocation check failed: client asked to retry with its key'),
        errorEmit('AGENT_UNAVAILABLE', { message: 'The session store is unavailable; reconnect with the same key.' }),
        ...this.endByServer('store-unavailable', now),
      ];
    }
    const effects = [
      ...legacyCount(s.legacy ? (result === 'valid' ? 'accepted' : 'invalid') : undefined),
      ...(result === 'valid' ? this.resumeSession(s.state) : this.invalidKey('revoked')),
    ];
    return this.messageKeys(s.payload, s.keys, s.index + 1, effects, now);
  }

  private invalidKey(reason: KeyFailure): Effect[] {
    return [
      { type: 'log', level: 'info', message: 'invalid reconnect key', detail: { reason } },
      errorEmit('INVALID_RECONNECT_KEY'),
      ...this.start(),
    ];
  }

  private resumeSession(state: SessionState): Effect[] {
    this.current = Session.resumed(state, this.current.clientId);
    const s = this.current;
    if (s.isLoggedIn) this.everLoggedIn = true;
    const effects = [...this.sidChange(), ...this.start()];
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

  /** Without its reply queue the client would wait forever: tell it to come back with its key. */
  private consumeFailed(now: number): Effect[] {
    return [
      { type: 'log', level: 'error', message: 'could not consume the reply queue' },
      errorEmit('AGENT_UNAVAILABLE'),
      ...this.endByServer('broker-unavailable', now),
    ];
  }

  private onAck(value: unknown, now: number): Effect[] {
    if (!this.isStarted) return [errorEmit('NOT_CONNECTED')];
    const id = isPlainObject(value) ? stringField(value, 'correspondingMessageId') : undefined;
    if (id === undefined) return [errorEmit('BAD_REQUEST')];
    const { released, effects } = this.resends.release(id, now);
    if (released === 0) return [warn('ack for an unknown message id', { correspondingMessageId: id.slice(0, 64) })];
    return effects;
  }

  // ------------------------------------------------------------ §2.2 events

  private forward(event: string, payload: unknown): Effect[] {
    const plain = isPlainObject(payload);
    const messageId = plain ? stringField(payload, 'messageId') : undefined;
    if (!this.isStarted) return [errorEmit('NOT_CONNECTED', { event, messageId })];
    const kind = this.router.classify(event);
    if (kind === 'unknown') return [errorEmit('UNKNOWN_EVENT', { event, messageId })];
    if (!plain) return [errorEmit('BAD_REQUEST', { event, messageId })];
    const sendAck = Object.prototype.hasOwnProperty.call(payload, 'sendAck') && payload.sendAck === true;
    if (sendAck && messageId === undefined) return [errorEmit('BAD_REQUEST', { event })];
    if (kind === 'authenticated' && !this.current.isLoggedIn) return [errorEmit('UNAUTHENTICATED', { event, messageId })];
    const publish: PublishEffect = {
      type: 'publish',
      routingKey: event,
      body: this.current.stamp(payload, kind === 'authenticated'),
      replyTo: this.current.clientId,
      event,
      messageId,
      sendAck,
    };
    return [publish];
  }

  /**
   * §2.2: a forwarded event's publish was confirmed (`ack` with the bare
   * messageId, if the client asked) or failed (AGENT_UNAVAILABLE, whether
   * or not it asked). Not queued behind awaited effects: it only tells.
   */
  publishSettled(publish: PublishEffect, confirmed: boolean): Effect[] {
    if (publish.event === undefined) return NONE;
    if (!confirmed) return [errorEmit('AGENT_UNAVAILABLE', { event: publish.event, messageId: publish.messageId })];
    return publish.sendAck === true ? [{ type: 'emit', event: 'ack', data: publish.messageId }] : NONE;
  }

  /** §2.4, whatever the payload was. */
  private logout(now: number): Effect[] {
    if (!this.isStarted || !this.current.isLoggedIn) return this.endByServer('logout', now);
    const effects: Effect[] = [this.agentPublish('disconnectAuth', this.router.disconnectAuthRequest(this.current))];
    const sid = this.current.logout();
    // Decided now: whatever arrives while the revocation is written belongs to a later session.
    const closing = this.closeByServer('logout');
    effects.push(...this.sidChange());
    if (sid !== undefined) effects.push({ type: 'revoke', sid, ttlMs: this.keys.revocationTtlMs });
    effects.push(...this.sessionUpdate(now), this.presence(true), ...closing, ...this.close(now));
    return effects;
  }

  // ------------------------------------------------------ §3.3 reply queue

  private handleDelivery(delivery: DeliveryRef, body: Buffer | string, now: number): Effect[] {
    // Nobody can receive it: the broker keeps it for the next session.
    if (this.isClosed || this.socketGone) return [{ type: 'rejectDelivery', delivery, requeue: true }];
    const message = parseBody(body);
    if (!message) {
      return [
        warn('agent message is not a JSON object; dropped'),
        { type: 'count', name: 'bad-agent-message' },
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
      const { replacedSid } = s.login(meaning.login, now);
      this.everLoggedIn = true;
      effects.push(...this.sidChange());
      // Another user's login replaced this one: its keys must die too.
      if (replacedSid !== undefined) effects.push({ type: 'revoke', sid: replacedSid, ttlMs: this.keys.revocationTtlMs });
      const followUp = this.router.loginFollowUp(s);
      effects.push(this.agentPublish(followUp.routingKey, followUp.body), this.presence(true));
    } else if (meaning.kind === 'logout') {
      const wasLoggedIn = s.isLoggedIn;
      s.logout();
      if (wasLoggedIn) effects.push(this.presence(true), ...this.sidChange());
    } else if (meaning.kind === 'reconnect-response') {
      const wasLoggedIn = s.isLoggedIn;
      if (meaning.logout) s.logout();
      s.clearExistingClientId();
      if (wasLoggedIn && !s.isLoggedIn) effects.push(this.presence(true), ...this.sidChange());
    }

    effects.push({ type: 'emit', event: 'push', data: message });
    for (const e of this.sessionUpdate(now)) effects.push(e);
    const correspondingMessageId = stringField(message, 'correspondingMessageId');
    if (correspondingMessageId === undefined) effects.push({ type: 'ackDelivery', delivery });
    else for (const e of this.resends.hold(correspondingMessageId, delivery, body, now)) effects.push(e);
    return effects;
  }

  /** §3.3 step 5: re-send what is due, or give up on a client that never acks. */
  private onTimer(now: number): Effect[] {
    const { effects, broken } = this.resends.tick(now);
    return broken ? this.endByServer('resend-limit', now) : effects;
  }

  private onConsumerCancelled(now: number, queueDeleted: boolean): Effect[] {
    if (this.isClosed) return NONE;
    if (!queueDeleted) {
      return [{ type: 'log', level: 'warn', message: 'reply queue unavailable: the client is closed resumable' }, ...this.endByServer('broker-unavailable', now)];
    }
    return [{ type: 'log', level: 'info', message: 'consumer cancelled by the broker: reply queue deleted' }, ...this.endByServer('eol', now)];
  }

  // ---------------------------------------------------------------- close

  /** §2.4 socket closed: nothing is lost. Idempotent. */
  private close(now: number): Effect[] {
    void now;
    if (this.isClosed) return NONE;
    this.isClosed = true;
    this.socketGone = true;
    const reason = this.closingReason ?? 'client-gone';
    const effects: Effect[] = [this.agentPublish('disconnect', this.router.disconnectRequest(this.current))];
    const { deliveries, effects: timer } = this.resends.drain();
    // Cancel first (awaited): a requeued delivery would otherwise go straight
    // back to this same consumer, and cancelling alone returns nothing, so
    // what is held is nacked once the consumer is gone. A queue that never
    // served a login has nothing to wait for: it goes, if empty.
    if (this.isStarted) effects.push({ type: 'cancelConsume', discardQueue: !this.everLoggedIn });
    for (const delivery of deliveries) effects.push({ type: 'rejectDelivery', delivery, requeue: true });
    effects.push(...timer);
    if (this.isStarted) effects.push(this.presence(false));
    effects.push({ type: 'log', level: 'debug', message: 'client closed', detail: { reason } });
    effects.push({ type: 'dispose', reason });
    return effects;
  }

  /** §8: the notice, then the socket goes; its close comes back as `socketClosed`. */
  private closeByServer(reason: CloseReason): Effect[] {
    if (this.socketGone) return NONE;
    this.socketGone = true;
    this.closingReason = reason;
    const resumable = isResumable(reason);
    return [
      { type: 'emit', event: 'gatewayDisconnect', data: { reason, resumable } },
      { type: 'disconnectSocket', reason, resumable },
    ];
  }

  /** EOL or consumer gone: drop the socket and close at once. */
  private endByServer(reason: CloseReason, now: number): Effect[] {
    return [...this.closeByServer(reason), ...this.close(now)];
  }

  // -------------------------------------------------------------- helpers

  /** §2.3: at most one key per input, only once the client is started. */
  private sessionUpdate(now: number): Effect[] {
    if (!this.isStarted || !this.current.isDirty) return NONE;
    const key = this.keys.seal(this.current.state, now);
    this.current.markClean();
    return [{ type: 'emit', event: 'gatewayConnectAck', data: key }];
  }

  /** §2.4: the login this client carries, reported as soon as it changes (before any revocation it causes). */
  private sidChange(): Effect[] {
    const sid = this.current.state.sid;
    if (sid === this.watchedSid) return NONE;
    this.watchedSid = sid;
    return [{ type: 'watchSid', sid }];
  }

  private presence(present: boolean): Effect {
    return { type: 'presence', clientId: this.current.clientId, userId: this.current.state.userId, present };
  }

  private agentPublish(routingKey: string, body: Record<string, unknown>): PublishEffect {
    return { type: 'publish', routingKey, body, replyTo: this.current.clientId };
  }
}

/** A key of the original gateway is counted by outcome (migration window). */
function legacyCount(outcome: LegacyKeyOutcome | undefined): Effect[] {
  return outcome === undefined ? NONE : [{ type: 'count', name: 'legacy-key', label: outcome }];
}
