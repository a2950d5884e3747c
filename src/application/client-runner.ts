import type { Client } from '../domain/client.js';
import type { AwaitedEffect, Effect, EmitEffect, Outcome, PublishEffect } from '../domain/effects.js';
import type { InboundMessage } from '../domain/inbound-limits.js';
import type { CloseReason } from '../domain/close-reasons.js';
import { isLegacyKeyOutcome } from '../domain/reconnect-key.js';
import { PublishError, type Clock, type Consumer, type Delivery, type Logger, type MessageBus, type Metrics, type PublishOptions, type SessionStore, type SocketChannel, type TimerHandle } from './ports.js';

export interface RunnerDeps {
  readonly bus: MessageBus;
  readonly store: SessionStore;
  readonly clock: Clock;
  readonly metrics: Metrics;
  readonly instance: string;
  /** The metrics label of a client event: bounded, whatever clients send. */
  readonly eventLabel: (event: string | undefined) => string;
  /** This runner's client now carries login `sid` (undefined: none). */
  readonly watchSid: (runner: ClientRunner, sid: string | undefined) => void;
}

/**
 * Executes one Client's effects against the ports, and owns the resources
 * they create: the client's timer and its consumer. It feeds the Client
 * every input (socket messages and close, deliveries, the timer, and the
 * outcome of each awaited effect) and decides nothing: what an outcome
 * means, and what waits for what, is the Client's.
 */
export class ClientRunner {
  private consumer: Consumer | undefined;
  private timer: TimerHandle | undefined;
  private disposed = false;
  private running = false;
  private backlog: Array<readonly Effect[]> | undefined;
  private publishOptions: PublishOptions | undefined;

  constructor(
    private readonly client: Client,
    private readonly socket: SocketChannel,
    private readonly deps: RunnerDeps,
    private readonly log: Logger,
    private readonly onDisposed: (runner: ClientRunner) => void,
  ) {
    socket.onMessage((message) => this.onMessage(message));
    socket.onClose((cause) => {
      this.log.debug({ cause }, 'socket closed');
      this.run(this.client.socketClosed(this.deps.clock.now()));
    });
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

  /** The server closes this client's socket (drain, shutdown, logout elsewhere). */
  disconnect(reason: CloseReason): void {
    this.run(this.client.serverClose(reason, this.deps.clock.now()));
  }

  private onMessage(message: InboundMessage): void {
    this.deps.metrics.messageIn(this.deps.eventLabel(message.event));
    this.run(this.client.receive(message, this.deps.clock.now()));
  }

  private onDelivery(delivery: Delivery): void {
    this.deps.metrics.deliveriesHeld(1);
    this.run(this.client.delivery(delivery, delivery.body, this.deps.clock.now()));
  }

  /**
   * Executes in order; an awaited effect ends its list and its outcome goes
   * back to the Client. Effects of an input that arrives while a list runs
   * (a transport that reports its close from inside `close`) run after it.
   */
  private run(effects: readonly Effect[]): void {
    if (effects.length === 0) return;
    if (this.running) {
      (this.backlog ??= []).push(effects);
      return;
    }
    this.running = true;
    let list: readonly Effect[] | undefined = effects;
    while (list) {
      for (const effect of list) {
        try {
          this.execute(effect);
        } catch (err) {
          this.log.error({ err, effect: effect.type }, 'effect failed');
        }
      }
      list = this.backlog?.shift();
    }
    this.running = false;
  }

  private execute(effect: Effect): void {
    switch (effect.type) {
      case 'emit':
        this.emit(effect);
        return;
      case 'publish':
        this.publish(effect);
        return;
      case 'ackDelivery':
        (effect.delivery as Delivery).ack();
        this.deps.metrics.deliveriesHeld(-1);
        if (effect.ackWaitMs !== undefined) this.deps.metrics.ackWait(effect.ackWaitMs);
        return;
      case 'rejectDelivery':
        (effect.delivery as Delivery).nack(effect.requeue);
        this.deps.metrics.deliveriesHeld(-1);
        if (effect.requeue) this.deps.metrics.requeue();
        return;
      case 'schedule':
        this.clearTimer();
        this.timer = this.deps.clock.setTimer(effect.delayMs, this.onTimer);
        return;
      case 'cancelSchedule':
        this.clearTimer();
        return;
      case 'disconnectSocket':
        this.socket.close(effect.reason, effect.resumable);
        return;
      case 'presence':
        this.presence(effect.clientId, effect.userId, effect.present);
        return;
      case 'log':
        this.log[effect.level](effect.detail ?? {}, effect.message);
        return;
      case 'watchSid':
        this.deps.watchSid(this, effect.sid);
        return;
      case 'count':
        if (effect.name === 'bad-agent-message') this.deps.metrics.badAgentMessage();
        else if (effect.name === 'legacy-key' && isLegacyKeyOutcome(effect.label)) this.deps.metrics.legacyKey(effect.label);
        return;
      case 'dispose':
        this.deps.metrics.clientClosed(effect.reason);
        this.dispose();
        return;
      default:
        this.perform(effect)
          .then((outcome) => this.run(this.client.resume(outcome, this.deps.clock.now())))
          .catch((err: unknown) => this.log.error({ err, effect: effect.type }, 'awaited effect failed'));
    }
  }

  /** The awaited effects: each resolves to its outcome, never rejects on a port failure. */
  private async perform(effect: AwaitedEffect): Promise<Outcome> {
    switch (effect.type) {
      case 'consume':
        try {
          this.consumer = await this.deps.bus.consume(effect.queue, {
            onDelivery: (d) => this.onDelivery(d),
            onCancelled: (why) => this.run(this.client.consumerCancelled(this.deps.clock.now(), why === 'deleted')),
          });
          return { type: 'consumed', ok: true };
        } catch (err) {
          this.log.warn({ err, queue: effect.queue }, 'consume failed');
          return { type: 'consumed', ok: false };
        }
      case 'cancelConsume': {
        const consumer = this.consumer;
        this.consumer = undefined;
        try {
          await consumer?.cancel({ discardQueue: effect.discardQueue });
        } catch (err) {
          this.log.warn({ err }, 'consumer cancel failed');
        }
        return { type: 'cancelled' };
      }
      case 'checkRevocation':
        try {
          return { type: 'revocation', result: (await this.deps.store.isRevoked(effect.sid)) ? 'revoked' : 'valid' };
        } catch (err) {
          this.log.warn({ err }, 'revocation check failed');
          return { type: 'revocation', result: 'unavailable' };
        }
      case 'revoke':
        try {
          await this.deps.store.revoke(effect.sid, effect.ttlMs);
          return { type: 'revoked', ok: true };
        } catch (err) {
          this.log.warn({ err }, 'revoke failed');
          return { type: 'revoked', ok: false };
        }
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
    this.socket.send(effect.event, effect.data);
  }

  private publish(effect: PublishEffect): void {
    const started = this.deps.clock.now();
    // replyTo is the client's id for its whole life: one options object per client, not per publish.
    const replyTo = effect.replyTo;
    const options = this.publishOptions?.replyTo === replyTo ? this.publishOptions : (this.publishOptions = { replyTo });
    this.deps.bus.publish(effect.routingKey, Buffer.from(JSON.stringify(effect.body)), options).then(
      () => {
        this.deps.metrics.publishConfirm(this.deps.clock.now() - started);
        if (effect.event !== undefined) this.run(this.client.publishSettled(effect, true));
      },
      (err: unknown) => {
        this.log.warn({ err, routingKey: effect.routingKey }, 'publish to agent failed');
        this.deps.metrics.publishFailed(err instanceof PublishError ? err.reason : 'error');
        this.run(this.client.publishSettled(effect, false));
      },
    );
  }

  private presence(clientId: string, userId: string | undefined, present: boolean): void {
    const { store, instance } = this.deps;
    const done = present
      ? store.setPresent(instance, userId === undefined ? { clientId } : { clientId, userId })
      : store.setAbsent(instance, clientId);
    done.catch((err: unknown) => this.log.debug({ err }, 'presence update failed'));
  }

  private readonly onTimer = (): void => {
    this.timer = undefined;
    this.run(this.client.timerFired(this.deps.clock.now()));
  };

  private clearTimer(): void {
    if (this.timer === undefined) return;
    this.deps.clock.clearTimer(this.timer);
    this.timer = undefined;
  }

  /** Releases what this runner holds; later effects (late nacks) still run. */
  private dispose(): void {
    if (this.disposed) return;
    this.disposed = true;
    this.clearTimer();
    const consumer = this.consumer;
    this.consumer = undefined;
    // The Client cancels the consumer it started; this is the safety net.
    consumer?.cancel().catch((err: unknown) => this.log.warn({ err }, 'consumer cancel failed'));
    this.onDisposed(this);
  }
}
