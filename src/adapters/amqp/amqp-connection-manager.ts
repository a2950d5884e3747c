import amqp, { type ChannelModel } from 'amqplib';
import type { Logger } from '../../application/ports.js';
import { HealthTracker } from '../../application/stats/connection-health.js';
import { backoffDelay, CancellableSleep } from './backoff.js';
import { coalesceWrites } from './coalesced-writes.js';
import { redact, urlNode, type AmqpMessageBusOptions, type AmqpTlsOptions } from './amqp-options.js';

/** What runs on each fresh connection and is told when it is gone. */
export interface ConnectionListener {
  /**
   * Open channels and re-establish consumers on a new connection. Throwing
   * drops that connection and the manager retries with backoff.
   */
  onConnect(connection: ChannelModel, epoch: number): Promise<void>;
  /** The connection of `epoch` is gone; called synchronously from its close event. */
  onDisconnect(epoch: number, cause: Error | undefined): void;
  /** The broker blocked (resource alarm) or unblocked publishing on the live connection. */
  onBlocked?(blocked: boolean): void;
}

interface Live {
  readonly connection: ChannelModel;
  readonly epoch: number;
  readonly url: string;
}

/** Where the bus is connected, for readiness and metrics. */
export interface AmqpStatus {
  readonly connected: boolean;
  /** `host:port` of the broker node (as named in the URL); undefined while disconnected. */
  readonly node?: string;
  /** The broker's cluster name (server property `cluster_name`). */
  readonly cluster?: string;
  /** The URL, password redacted. */
  readonly url?: string;
  /** ms since the epoch at which the current connection was made. */
  readonly connectedSince?: number;
  /** ms since the epoch of the last connection made after one was lost (a failover, to any node). */
  readonly lastFailoverAt?: number;
  /** Connections made after one was lost, since start. */
  readonly failovers: number;
  /** The broker is blocking publishes (resource alarm). */
  readonly blocked: boolean;
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
  private connectedSince: number | undefined;
  private cluster: string | undefined;
  private lastFailoverAt: number | undefined;
  private failovers = 0;
  private everLost = false;
  private blocked = false;
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

  status(): AmqpStatus {
    const live = this.ready ? this.live : undefined;
    return {
      connected: live !== undefined,
      ...(live ? { node: urlNode(live.url), url: redact(live.url), connectedSince: this.connectedSince } : {}),
      ...(live && this.cluster !== undefined ? { cluster: this.cluster } : {}),
      ...(this.lastFailoverAt !== undefined ? { lastFailoverAt: this.lastFailoverAt } : {}),
      failovers: this.failovers,
      blocked: live !== undefined && this.blocked,
    };
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
        ...tlsSocketOptions(this.options.tls),
      });
    } catch (err) {
      this.logger.warn({ err, url: redact(url) }, 'amqp connect failed');
      return 'failed';
    }
    if (this.stopped) {
      await connection.close().catch(() => undefined);
      return 'failed';
    }
    if (!coalesceWrites(connection)) this.logger.warn('amqp socket not found: each frame is written on its own (amqplib internals changed?)');
    const epoch = ++this.epoch;
    this.live = { connection, epoch, url };
    this.blocked = false;
    let closed!: () => void;
    const ended = new Promise<void>((resolve) => (closed = resolve));
    connection.on('error', (err: Error) => this.logger.warn({ err, epoch }, 'amqp connection error'));
    connection.on('blocked', (reason: string) => {
      if (this.live?.epoch !== epoch) return;
      this.logger.warn({ reason, node: urlNode(url) }, 'amqp connection blocked by the broker: publishes fail at once until it unblocks');
      this.blocked = true;
      this.health.set('blocked', Date.now(), reason);
      this.listener.onBlocked?.(true);
    });
    connection.on('unblocked', () => {
      if (this.live?.epoch !== epoch) return;
      this.logger.info({ node: urlNode(url) }, 'amqp connection unblocked');
      this.blocked = false;
      if (this.ready) this.health.set('connected', Date.now());
      this.listener.onBlocked?.(false);
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
    this.connectedSince = Date.now();
    const serverProperties = (connection as unknown as { connection?: { serverProperties?: Record<string, unknown> } }).connection
      ?.serverProperties;
    const cluster = serverProperties?.cluster_name;
    this.cluster = typeof cluster === 'string' ? cluster : undefined;
    if (this.everLost) {
      this.failovers++;
      this.lastFailoverAt = this.connectedSince;
    }
    this.logger.info({ epoch, url: redact(url), node: urlNode(url), cluster: this.cluster, failover: this.everLost }, 'amqp connected');
    this.resolveFirst();
    return ended;
  }

  private markLost(epoch: number, cause: Error | undefined): void {
    if (this.live?.epoch !== epoch) return;
    const wasReady = this.ready;
    this.live = undefined;
    this.ready = false;
    if (wasReady && !this.stopped) this.everLost = true;
    if (this.blocked) {
      this.blocked = false;
      this.listener.onBlocked?.(false);
    }
    this.health.set(this.stopped ? 'closed' : 'reconnecting', Date.now(), cause?.message);
    if (cause && !this.stopped) this.logger.warn({ err: cause, epoch }, 'amqp connection lost');
    this.listener.onDisconnect(epoch, cause);
  }
}

/** amqplib hands these to tls.connect for amqps:// URLs (plain amqp:// ignores them). */
export function tlsSocketOptions(tls: AmqpTlsOptions | undefined): {
  ca?: Buffer[];
  cert?: Buffer;
  key?: Buffer;
  rejectUnauthorized?: boolean;
} {
  if (!tls) return {};
  return {
    ...(tls.ca ? { ca: [...tls.ca] } : {}),
    ...(tls.cert ? { cert: tls.cert } : {}),
    ...(tls.key ? { key: tls.key } : {}),
    ...(tls.rejectUnauthorized !== undefined ? { rejectUnauthorized: tls.rejectUnauthorized } : {}),
  };
}
