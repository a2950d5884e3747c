import 'reflect-metadata';
import { inject, injectable } from 'tsyringe';
import { AgentRouter } from '../domain/agent-router.js';
import { Client, type ClientOptions } from '../domain/client.js';
import type { CloseReason } from '../domain/effects.js';
import { ReconnectKeyCodec } from '../domain/reconnect-key.js';
import { newClientId } from '../domain/session.js';
import { ClientRunner } from './client-runner.js';
import {
  TOKENS,
  type Clock,
  type Logger,
  type MessageBus,
  type Metrics,
  type SessionStore,
  type SocketChannel,
  type SocketServer,
} from './ports.js';

export interface GatewayOptions {
  /** Names this process in presence and control replies. */
  readonly instance: string;
  readonly client: ClientOptions;
  readonly maxPayloadBytes: number;
  readonly rateLimit: { burst: number; perSecond: number; disconnectAfter: number };
  readonly router: AgentRouter;
  readonly keys: ReconnectKeyCodec;
}

/**
 * The use case: accept sockets, give each a Client, run it, and forget it
 * once it is disposed. Knows nothing of Socket.IO, RabbitMQ or Redis.
 */
@injectable()
export class Gateway {
  private readonly runners = new Set<ClientRunner>();
  private idleWaiters: Array<() => void> = [];
  private clientOptions: ClientOptions;

  constructor(
    @inject(TOKENS.MessageBus) private readonly bus: MessageBus,
    @inject(TOKENS.SessionStore) private readonly store: SessionStore,
    @inject(TOKENS.Clock) private readonly clock: Clock,
    @inject(TOKENS.Logger) private readonly logger: Logger,
    @inject(TOKENS.Metrics) private readonly metrics: Metrics,
    @inject(TOKENS.GatewayOptions) private readonly options: GatewayOptions,
  ) {
    this.clientOptions = { ...options.client };
  }

  attach(server: SocketServer): void {
    server.onConnection((socket) => this.accept(socket));
  }

  accept(socket: SocketChannel): ClientRunner {
    const clientId = newClientId();
    const client = new Client({
      clientId,
      router: this.options.router,
      keys: this.options.keys,
      options: this.clientOptions,
    });
    const runner = new ClientRunner(
      client,
      socket,
      {
        bus: this.bus,
        store: this.store,
        clock: this.clock,
        metrics: this.metrics,
        keys: this.options.keys,
        instance: this.options.instance,
        sessionMaxAgeMs: this.clientOptions.sessionMaxAgeMs,
        maxPayloadBytes: this.options.maxPayloadBytes,
        rateLimit: this.options.rateLimit,
        eventLabel: this.eventLabel,
      },
      this.logger.child({ clientId, socketId: socket.id }),
      (r) => this.forget(r),
    );
    this.runners.add(runner);
    this.metrics.clientsConnected(1);
    return runner;
  }

  private readonly eventLabel = (event: string): string =>
    event === 'message' || this.options.router.classify(event) !== 'unknown' ? event : 'unknown';

  get clientCount(): number {
    return this.runners.size;
  }

  setResendInterval(ms: number): void {
    this.clientOptions = { ...this.clientOptions, resendIntervalMs: ms };
    for (const r of this.runners) r.setResendInterval(ms);
  }

  /** Disconnect every socket; their clients then close as usual. */
  disconnectAll(reason: CloseReason): void {
    for (const r of [...this.runners]) r.disconnect(reason);
  }

  /** Resolves true once no client is left, false after timeoutMs. */
  waitForClients(timeoutMs: number): Promise<boolean> {
    if (this.runners.size === 0) return Promise.resolve(true);
    return new Promise((resolve) => {
      const waiter = (): void => {
        this.clock.clearTimer(timer);
        resolve(true);
      };
      const timer = this.clock.setTimer(timeoutMs, () => {
        this.idleWaiters = this.idleWaiters.filter((w) => w !== waiter);
        resolve(false);
      });
      this.idleWaiters.push(waiter);
    });
  }

  private forget(runner: ClientRunner): void {
    if (!this.runners.delete(runner)) return;
    this.metrics.clientsConnected(-1);
    if (this.runners.size === 0) {
      const waiters = this.idleWaiters;
      this.idleWaiters = [];
      for (const w of waiters) w();
    }
  }
}
