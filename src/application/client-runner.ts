import type { Client } from '../domain/client.js';
import type { CloseReason, EmitEffect, Effect } from '../domain/effects.js';
import { gatewayError } from '../domain/errors.js';
import type { ReconnectKeyCodec } from '../domain/reconnect-key.js';
import { reconnectIdOf, type ReconnectResolution } from '../domain/client.js';
import { InboundLimits } from '../domain/inbound-limits.js';
import type {
  Clock,
  Consumer,
  Delivery,
  Logger,
  MessageBus,
  Metrics,
  SessionStore,
  SocketChannel,
  TimerHandle,
} from './ports.js';
import { SerialQueue } from './serial-queue.js';

export interface RunnerDeps {
  readonly bus: MessageBus;
  readonly store: SessionStore;
  readonly clock: Clock;
  readonly metrics: Metrics;
  readonly keys: ReconnectKeyCodec;
  readonly instance: string;
  readonly sessionMaxAgeMs: number;
  readonly maxPayloadBytes: number;
  readonly rateLimit: { burst: number; perSecond: number; disconnectAfter: number };
  /** The metrics label of a client event: bounded, whatever clients send. */
  readonly eventLabel: (event: string) => string;
}

/**
 * Runs one Client against the ports: feeds it the socket's events, the
 * broker's deliveries and its timer, in order, and executes the effects it
 * returns. It owns the client's only timer and consumer and releases both
 * when the client is disposed.
 */
export class ClientRunner {
  private readonly queue: SerialQueue;
  private readonly limits: InboundLimits;
  private consumer: Consumer | undefined;
  private timer: TimerHandle | undefined;
  private timerDueAt = 0;
  private closeReason: CloseReason | undefined;
  private disposed = false;

  constructor(
    private readonly client: Client,
    private readonly socket: SocketChannel,
    private readonly deps: RunnerDeps,
    private readonly log: Logger,
    private readonly onDisposed: (runner: ClientRunner) => void,
  ) {
    this.queue = new SerialQueue((err) => this.log.error({ err }, 'client task failed'));
    this.limits = new InboundLimits({ maxPayloadBytes: deps.maxPayloadBytes, ...deps.rateLimit }, deps.clock.now());
    socket.onEvent((event, payload, bytes) => this.onSocketEvent(event, payload, bytes));
    socket.onClose((reason) => this.onSocketClose(reason));
  }

  get clientId(): string {
    return this.client.clientId;
  }

  get isDisposed(): boolean {
    return this.disposed;
  }

  setResendInterval(ms: number): void {
    this.client.setResendInterval(ms);
  }

  /** Server-side close (drain, shutdown). */
  disconnect(reason: CloseReason): void {
    this.closeReason ??= reason;
    this.socket.disconnect();
  }

  private onSocketEvent(event: string, payload: unknown, bytes: number): void {
    if (this.disposed) return;
    this.deps.metrics.messageIn(this.deps.eventLabel(event));
    const refused = this.limits.check(event, payload, bytes, this.deps.clock.now());
    if (refused) {
      void this.run(refused);
      return;
    }
    if (event === 'message') {
      this.queue.submit(() => this.onSpecialMessage(payload));
    } else {
      this.queue.submit(() => this.run(this.client.handleEvent(event, payload, this.deps.clock.now())));
    }
  }

  private onSpecialMessage(payload: unknown): void | Promise<void> {
    const reconnectId = reconnectIdOf(payload);
    if (reconnectId === undefined) return this.run(this.client.handleMessage(payload, this.deps.clock.now()));
    return this.resolveReconnect(reconnectId).then((resolution) => {
      if (resolution === 'retry') {
        // Neither valid nor invalid: the session survives, the client retries with the same key.
        this.emit({
          type: 'emit',
          event: 'gatewayError',
          data: gatewayError('AGENT_UNAVAILABLE', { message: 'The session store is unavailable; reconnect with the same key.' }),
        });
        this.disconnect('store-unavailable');
        return;
      }
      if (!resolution.ok) this.log.info({ reason: resolution.reason }, 'reconnect key refused');
      return this.run(this.client.handleMessage(payload, this.deps.clock.now(), resolution));
    });
  }

  private async resolveReconnect(reconnectId: string): Promise<ReconnectResolution | 'retry'> {
    const opened = this.deps.keys.open(reconnectId, this.deps.clock.now());
    if (!opened.ok) return opened;
    const sid = opened.state.sid;
    if (sid === undefined) return { ok: true, state: opened.state };
    try {
      if (await this.deps.store.isRevoked(sid)) return { ok: false, reason: 'revoked' };
    } catch (err) {
      // A key whose revocation cannot be checked is not trusted, nor thrown away.
      this.log.warn({ err }, 'revocation check failed: client asked to retry');
      return 'retry';
    }
    return { ok: true, state: opened.state };
  }

  private onSocketClose(reason: string): void {
    const closeReason = this.closeReason ?? 'client-gone';
    this.log.debug({ reason, closeReason }, 'socket closed');
    this.queue.submit(() => this.run(this.client.close(closeReason, this.deps.clock.now())));
  }

  private onDelivery(delivery: Delivery): void {
    this.queue.submit(() => this.run(this.client.handleDelivery(delivery, delivery.body, this.deps.clock.now())));
  }

  private onConsumerCancelled(): void {
    this.queue.submit(() => this.run(this.client.handleConsumerCancelled(this.deps.clock.now())));
  }

  private onTimer(): void {
    this.timer = undefined;
    this.queue.submit(() => this.run(this.client.tick(this.deps.clock.now())));
  }

  /**
   * Execute effects in order. Runs synchronously until an effect that must
   * be awaited (consume, cancel, revoke); the rest then runs after it.
   */
  private run(effects: readonly Effect[], from = 0): void | Promise<void> {
    for (let i = from; i < effects.length; i++) {
      const pending = this.execute(effects[i]!);
      if (pending) return pending.then(() => this.run(effects, i + 1));
    }
  }

  private execute(effect: Effect): Promise<void> | undefined {
    switch (effect.type) {
      case 'emit':
        this.emit(effect);
        return undefined;
      case 'publish':
        this.publish(effect.routingKey, effect.body, effect.replyTo, effect.onConfirmed, effect.onFailed);
        return undefined;
      case 'consume':
        return this.consume(effect.queue);
      case 'cancelConsume':
        return this.cancelConsume();
      case 'ackDelivery':
        (effect.delivery as Delivery).ack();
        if (effect.ackWaitMs !== undefined) this.deps.metrics.ackWait(effect.ackWaitMs);
        return undefined;
      case 'rejectDelivery':
        (effect.delivery as Delivery).nack(effect.requeue);
        if (!effect.requeue) this.deps.metrics.badAgentMessage();
        return undefined;
      case 'schedule':
        this.schedule(effect.delayMs);
        return undefined;
      case 'cancelSchedule':
        // Lazily: a push acked right away would otherwise cost a timer set and
        // cleared per message. A timer firing with nothing due is a no-op tick.
        return undefined;
      case 'revoke':
        return this.deps.store.revoke(effect.sid, this.deps.sessionMaxAgeMs).catch((err: unknown) => {
          this.log.error({ err }, 'revocation failed: keys of this login stay valid until they expire');
        });
      case 'disconnectSocket':
        this.disconnect(effect.reason);
        return undefined;
      case 'presence':
        this.presence(effect.clientId, effect.userId, effect.present);
        return undefined;
      case 'log':
        this.log[effect.level](effect.detail ?? {}, effect.message);
        return undefined;
      case 'dispose':
        this.dispose();
        return undefined;
    }
  }

  private emit(effect: EmitEffect): void {
    if (effect.event === 'gatewayError') {
      this.deps.metrics.gatewayError((effect.data as { code: string }).code);
    } else if (effect.resend) {
      this.deps.metrics.resend();
    } else {
      this.deps.metrics.messageOut(effect.event);
    }
    this.socket.emit(effect.event, effect.data);
  }

  private publish(
    routingKey: string,
    body: Record<string, unknown>,
    replyTo: string,
    onConfirmed: readonly EmitEffect[],
    onFailed: readonly EmitEffect[],
  ): void {
    const started = this.deps.clock.now();
    this.deps.bus.publish(routingKey, Buffer.from(JSON.stringify(body)), { replyTo }).then(
      () => {
        this.deps.metrics.publishConfirm(this.deps.clock.now() - started);
        for (const e of onConfirmed) this.emit(e);
      },
      (err: unknown) => {
        this.log.warn({ err, routingKey }, 'publish to agent failed');
        for (const e of onFailed) this.emit(e);
      },
    );
  }

  private async consume(queue: string): Promise<void> {
    try {
      this.consumer = await this.deps.bus.consume(queue, {
        onDelivery: (d) => this.onDelivery(d),
        onCancelled: () => this.onConsumerCancelled(),
      });
    } catch (err) {
      // Without its reply queue the client would wait forever: tell it, and
      // drop the socket so it resumes with its key once the broker is back.
      this.log.error({ err, queue }, 'could not consume the reply queue');
      this.emit({ type: 'emit', event: 'gatewayError', data: gatewayError('AGENT_UNAVAILABLE') });
      this.disconnect('client-gone');
    }
  }

  private async cancelConsume(): Promise<void> {
    const consumer = this.consumer;
    this.consumer = undefined;
    if (!consumer) return;
    try {
      await consumer.cancel();
    } catch (err) {
      this.log.warn({ err }, 'consumer cancel failed');
    }
  }

  private presence(clientId: string, userId: string | undefined, present: boolean): void {
    const { store, instance } = this.deps;
    const done = present
      ? store.setPresent(instance, userId === undefined ? { clientId } : { clientId, userId })
      : store.setAbsent(instance, clientId);
    done.catch((err: unknown) => this.log.debug({ err }, 'presence update failed'));
  }

  /** Keep an armed timer that fires no later than asked: the tick re-arms. */
  private schedule(delayMs: number): void {
    const dueAt = this.deps.clock.now() + delayMs;
    if (this.timer !== undefined && this.timerDueAt <= dueAt) return;
    this.clearTimer();
    this.timerDueAt = dueAt;
    this.timer = this.deps.clock.setTimer(delayMs, () => this.onTimer());
  }

  private clearTimer(): void {
    if (this.timer === undefined) return;
    this.deps.clock.clearTimer(this.timer);
    this.timer = undefined;
  }

  private dispose(): void {
    if (this.disposed) return;
    this.disposed = true;
    this.clearTimer();
    // The domain cancels the consumer it started; this is the safety net.
    if (this.consumer) void this.cancelConsume();
    this.onDisposed(this);
  }
}
