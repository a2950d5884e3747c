import 'reflect-metadata';
import { inject, injectable } from 'tsyringe';
import { Client, type ClientOptions } from '../domain/client.js';
import type { CloseReason } from '../domain/close-reasons.js';
import { newClientId } from '../domain/session.js';
import { ClientRunner, type RunnerDeps } from './client-runner.js';
import { resolveSettings, type GatewaySettings, type ResolvedSettings } from './gateway-settings.js';
import { LoginSessions } from './login-sessions.js';
import {
  TOKENS,
  type ChannelAcceptor,
  type Clock,
  type Logger,
  type MessageBus,
  type Metrics,
  type SessionStore,
  type SocketChannel,
} from './ports.js';

/**
 * The gateway core: accepts sockets from any transport, gives each a
 * Client, runs it, and forgets it once it is disposed. Knows nothing of
 * Socket.IO, WebSocket, RabbitMQ or Redis.
 */
@injectable()
export class Gateway implements ChannelAcceptor {
  private readonly runners = new Set<ClientRunner>();
  private idleWaiters: Array<() => void> = [];
  private readonly settings: ResolvedSettings;
  private clientOptions: ClientOptions;
  private accepting = true;
  private readonly logins: LoginSessions<ClientRunner>;
  private readonly unwatch: () => void;
  /** What every runner shares (one object, not one per socket). */
  private runnerDeps: RunnerDeps | undefined;

  constructor(
    @inject(TOKENS.MessageBus) private readonly bus: MessageBus,
    @inject(TOKENS.SessionStore) private readonly store: SessionStore,
    @inject(TOKENS.Clock) private readonly clock: Clock,
    @inject(TOKENS.Logger) private readonly logger: Logger,
    @inject(TOKENS.Metrics) private readonly metrics: Metrics,
    @inject(TOKENS.GatewaySettings) settings: GatewaySettings,
  ) {
    this.settings = resolveSettings(settings, newClientId);
    this.clientOptions = this.settings.client;
    this.logins = new LoginSessions(() => this.clock.now());
    // Logout ends the login everywhere: every socket carrying its sid, on every instance.
    this.unwatch = this.store.watchRevocations({ revoked: (sid) => this.onRevoked(sid), resync: () => this.resync() });
  }


  /** Names this gateway in presence and logs. */
  get instance(): string {
    return this.settings.instance;
  }

  get clientCount(): number {
    return this.runners.size;
  }

  /** False once stopAccepting() was called (draining or closing). */
  get isAccepting(): boolean {
    return this.accepting;
  }

  /** Takes a transport's new socket. While draining it is closed at once as `server-shutdown`. */
  accept(channel: SocketChannel): void {
    const clientId = newClientId();
    const client = new Client({
      clientId,
      router: this.settings.router,
      keys: this.settings.keys,
      options: this.clientOptions,
      now: this.clock.now(),
    });
    const runner = new ClientRunner(
      client,
      channel,
      (this.runnerDeps ??= {
        bus: this.bus,
        store: this.store,
        clock: this.clock,
        metrics: this.metrics,
        instance: this.settings.instance,
        eventLabel: this.eventLabel,
        watchSid: this.watchSid,
      }),
      this.logger.child({ clientId, socketId: channel.id, transport: channel.transport }),
      this.forget,
    );
    this.runners.add(runner);
    this.metrics.clientsConnected(1);
    if (!this.accepting) runner.disconnect('server-shutdown');
  }

  private readonly watchSid = (runner: ClientRunner, sid: string | undefined): void => {
    if (this.logins.set(runner, sid)) runner.disconnect('logout');
  };

  private onRevoked(sid: string): void {
    for (const runner of this.logins.revoked(sid)) runner.disconnect('logout');
  }

  /** Revocations may have been missed while the store was away: ask about every live login. */
  private resync(): void {
    for (const sid of this.logins.sids()) {
      this.store.isRevoked(sid).then(
        (revoked) => {
          if (revoked) this.onRevoked(sid);
        },
        (err: unknown) => this.logger.debug({ err }, 'revocation re-check failed'),
      );
    }
  }

  private readonly eventLabel = (event: string | undefined): string =>
    event === undefined ? 'undecodable' : event === 'message' || this.settings.router.classify(event) !== 'unknown' ? event : 'unknown';

  setResendInterval(ms: number): void {
    this.clientOptions = { ...this.clientOptions, resendIntervalMs: ms };
    for (const r of this.runners) r.setResendInterval(ms);
  }

  /** New sockets are closed at once (`server-shutdown`, resumable) from now on. */
  stopAccepting(): void {
    this.accepting = false;
  }

  /** Close every socket with `reason`; their clients then close as usual. */
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

  /**
   * Stop accepting, close every socket as `server-shutdown` and wait (at
   * most timeoutMs) for each client to finish its close: DisconnectRequest
   * sent, consumer cancelled, held deliveries returned. The ports stay open:
   * they are the caller's. Resolves false if clients were still closing.
   */
  async close(timeoutMs = 5000): Promise<boolean> {
    this.stopAccepting();
    this.disconnectAll('server-shutdown');
    const done = await this.waitForClients(timeoutMs);
    this.unwatch();
    return done;
  }

  private readonly forget = (runner: ClientRunner): void => {
    if (!this.runners.delete(runner)) return;
    this.logins.remove(runner);
    this.metrics.clientsConnected(-1);
    if (this.runners.size === 0) {
      const waiters = this.idleWaiters;
      this.idleWaiters = [];
      for (const w of waiters) w();
    }
  };
}
