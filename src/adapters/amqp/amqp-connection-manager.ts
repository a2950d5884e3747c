import amqp, { type ChannelModel } from 'amqplib';
import type { Logger } from '../../application/ports.js';
import { HealthTracker } from '../../application/stats/connection-health.js';
import { backoffDelay, CancellableSleep } from './backoff.js';
import { redact, type AmqpMessageBusOptions } from './amqp-options.js';

/** What runs on each fresh connection and is told when it is gone. */
export interface ConnectionListener {
  /**
   * Open channels and re-establish consumers on a new connection. Throwing
   * drops that connection and the manager retries with backoff.
   */
  onConnect(connection: ChannelModel, epoch: number): Promise<void>;
  /** The connection of `epoch` is gone; called synchronously from its close event. */
  onDisconnect(epoch: number, cause: Error | undefined): void;
}

interface Live {
  readonly connection: ChannelModel;
  readonly epoch: number;
}

/**
 * Owns the one AMQP connection of this process: connects (failing over
 * between URLs), reconnects with backoff and jitter after a loss, and hands
 * every new connection to its listener. Every await in the loop is followed
 * by a `stopped` check so stop() never races a late connect.
 */
export class AmqpConnectionManager {
  private stopped = false;
  private live: Live | undefined;
  private ready = false;
  private epoch = 0;
  private urlIndex = 0;
  private loop: Promise<void> | undefined;
  private readonly sleeper = new CancellableSleep();
  private readonly firstConnect: Promise<void>;
  /** The connection as the admin page shows it: connecting, connected, reconnecting, blocked, closed. */
  readonly health = new HealthTracker('RabbitMQ', 'connecting', Date.now());
  private resolveFirst!: () => void;
  private rejectFirst!: (err: Error) => void;

  constructor(
    private readonly options: AmqpMessageBusOptions,
    private readonly listener: ConnectionListener,
    private readonly logger: Logger,
  ) {
    this.firstConnect = new Promise((resolve, reject) => {
      this.resolveFirst = resolve;
      this.rejectFirst = reject;
    });
    // A caller that never awaits start() must not see an unhandled rejection.
    this.firstConnect.catch(() => undefined);
  }

  /** Starts connecting; resolves at the first connection (retrying until then), rejects if stopped first. */
  start(): Promise<void> {
    if (this.stopped) return Promise.reject(new Error('amqp connection manager is stopped'));
    this.loop ??= this.run().catch((err: unknown) => {
      this.logger.error({ err }, 'amqp reconnect loop crashed');
    });
    return this.firstConnect;
  }

  isConnected(): boolean {
    return this.ready;
  }

  currentEpoch(): number | undefined {
    return this.ready ? this.live?.epoch : undefined;
  }

  /**
   * Throw away the connection of `epoch` (a channel of it died); the loop
   * builds a new one. A no-op once that connection is gone anyway.
   */
  drop(reason: Error, epoch: number): void {
    const live = this.live;
    if (!live || live.epoch !== epoch) return;
    this.logger.warn({ err: reason }, 'amqp channel lost; recycling the connection');
    this.markLost(live.epoch, reason);
    live.connection.close().catch((err: unknown) => this.logger.debug({ err }, 'amqp close after drop failed'));
  }

  async stop(): Promise<void> {
    if (this.stopped) return;
    this.stopped = true;
    this.health.set('closed', Date.now());
    this.sleeper.cancel();
    this.rejectFirst(new Error('amqp connection manager stopped before connecting'));
    const live = this.live;
    if (live) {
      this.markLost(live.epoch, undefined);
      await live.connection.close().catch((err: unknown) => {
        this.logger.debug({ err }, 'amqp connection close failed (already closed?)');
      });
    }
    await this.loop;
  }

  private async run(): Promise<void> {
    let attempt = 0;
    while (!this.stopped) {
      const url = this.options.urls[this.urlIndex % this.options.urls.length] as string;
      const lost = await this.connectOnce(url);
      if (this.stopped) return;
      if (lost === 'failed') {
        attempt++;
        this.urlIndex++;
      } else {
        attempt = 1;
        await lost;
        if (this.stopped) return;
      }
      const delay = backoffDelay(attempt, this.options.reconnect);
      this.logger.info({ attempt, delayMs: delay }, 'amqp reconnect scheduled');
      await this.sleeper.sleep(delay);
    }
  }

  /** One connection's life: 'failed' if it never became ready, else a promise of its end. */
  private async connectOnce(url: string): Promise<'failed' | Promise<void>> {
    let connection: ChannelModel;
    try {
      connection = await amqp.connect(url, {
        noDelay: true,
        clientProperties: { connection_name: this.options.connectionName ?? 'activestack-gateway' },
      });
    } catch (err) {
      this.logger.warn({ err, url: redact(url) }, 'amqp connect failed');
      return 'failed';
    }
    if (this.stopped) {
      await connection.close().catch(() => undefined);
      return 'failed';
    }
    const epoch = ++this.epoch;
    this.live = { connection, epoch };
    let closed!: () => void;
    const ended = new Promise<void>((resolve) => (closed = resolve));
    connection.on('error', (err: Error) => this.logger.warn({ err, epoch }, 'amqp connection error'));
    connection.on('blocked', (reason: string) => {
      this.logger.warn({ reason }, 'amqp connection blocked by broker');
      if (this.live?.epoch === epoch) this.health.set('blocked', Date.now(), reason);
    });
    connection.on('unblocked', () => {
      this.logger.info('amqp connection unblocked');
      if (this.live?.epoch === epoch && this.ready) this.health.set('connected', Date.now());
    });
    connection.on('close', (err?: Error) => {
      this.markLost(epoch, err);
      closed();
    });
    try {
      await this.listener.onConnect(connection, epoch);
    } catch (err) {
      this.logger.error({ err, epoch }, 'amqp setup on new connection failed');
      this.markLost(epoch, err instanceof Error ? err : new Error(String(err)));
      await connection.close().catch(() => undefined);
      return 'failed';
    }
    if (this.stopped || this.live?.epoch !== epoch) {
      if (this.live?.epoch === epoch) await connection.close().catch(() => undefined);
      return this.stopped ? 'failed' : ended;
    }
    this.ready = true;
    this.health.set('connected', Date.now());
    this.logger.info({ epoch, url: redact(url) }, 'amqp connected');
    this.resolveFirst();
    return ended;
  }

  private markLost(epoch: number, cause: Error | undefined): void {
    if (this.live?.epoch !== epoch) return;
    this.live = undefined;
    this.ready = false;
    this.health.set(this.stopped ? 'closed' : 'reconnecting', Date.now(), cause?.message);
    if (cause && !this.stopped) this.logger.warn({ err: cause, epoch }, 'amqp connection lost');
    this.listener.onDisconnect(epoch, cause);
  }
}
