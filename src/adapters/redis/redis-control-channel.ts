import type { ControlChannel, ControlReply, Logger } from '../../application/ports.js';
import { closeRedisClient, watchRedisClient, type RedisClient } from './redis-client.js';

export interface RedisControlChannelOptions {
  /** Publishing connection; owned by the channel (close() quits it). */
  readonly client: RedisClient;
  /** Commands travel on `channel`, replies on `<channel>.replies`. Default `gateway`. */
  readonly channel?: string;
  readonly logger: Logger;
  /**
   * ms between PINGs on the subscribed connection (default 10000). It sends
   * nothing else, so without them a connection that went silent (a black
   * hole, a half-open connection) would go unnoticed and the gateway would
   * stay deaf to commands; with them the client's command timeout drops it
   * and it is made again and subscribed again.
   */
  readonly pingIntervalMs?: number;
}

/**
 * The control bus on Redis pub/sub: at-most-once, every subscriber gets
 * every message. A subscribed connection can do nothing but listen, so the
 * channel subscribes on a duplicate of the publishing client; ioredis
 * subscribes it again after a reconnect.
 */
export class RedisControlChannel implements ControlChannel {
  private readonly client: RedisClient;
  private readonly subscriber: RedisClient;
  private readonly commandChannel: string;
  private readonly replyChannel: string;
  private readonly logger: Logger;
  private readonly commandHandlers = new Set<(line: string) => void>();
  private readonly replyHandlers = new Set<(reply: ControlReply) => void>();
  private closed = false;
  private readonly wanted = new Set<string>();
  private readonly pinger: NodeJS.Timeout;

  constructor(options: RedisControlChannelOptions) {
    this.client = options.client;
    this.commandChannel = options.channel ?? 'gateway';
    this.replyChannel = `${this.commandChannel}.replies`;
    this.logger = options.logger.child({ component: 'control-channel' });
    this.subscriber = this.client.duplicate();
    watchRedisClient(this.subscriber, this.logger);
    this.subscriber.on('message', (channel: string, message: string) => this.onMessage(channel, message));
    // ioredis re-subscribes what was subscribed; a subscribe that failed
    // (Redis down at start-up) is retried here whenever the connection is ready.
    this.subscriber.on('ready', () => {
      for (const channel of this.wanted) {
        this.subscriber.subscribe(channel).catch((err: unknown) => this.logger.warn({ err, channel }, 'control channel subscribe failed'));
      }
    });
    this.pinger = setInterval(() => this.ping(), options.pingIntervalMs ?? 10_000);
    this.pinger.unref();
  }

  /** Rejects if Redis cannot be reached now; the handler stays and is subscribed once it can. */
  async onCommand(handler: (line: string) => void): Promise<void> {
    this.commandHandlers.add(handler);
    await this.subscribe(this.commandChannel);
  }

  async sendCommand(line: string): Promise<void> {
    await this.publish(this.commandChannel, line);
  }

  async onReply(handler: (reply: ControlReply) => void): Promise<void> {
    this.replyHandlers.add(handler);
    await this.subscribe(this.replyChannel);
  }

  async sendReply(reply: ControlReply): Promise<void> {
    await this.publish(this.replyChannel, JSON.stringify(reply));
  }

  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    clearInterval(this.pinger);
    this.commandHandlers.clear();
    this.replyHandlers.clear();
    await Promise.all([closeRedisClient(this.subscriber), closeRedisClient(this.client)]);
  }

  private ping(): void {
    if (this.wanted.size === 0 || this.subscriber.status !== 'ready') return;
    this.subscriber.ping().catch((err: unknown) => this.logger.debug({ err }, 'control channel ping failed'));
  }

  private async subscribe(channel: string): Promise<void> {
    this.assertOpen();
    this.wanted.add(channel);
    try {
      await this.subscriber.subscribe(channel);
    } catch (err) {
      throw new Error(`subscribing to control channel "${channel}" failed`, { cause: err });
    }
  }

  private async publish(channel: string, message: string): Promise<void> {
    this.assertOpen();
    try {
      await this.client.publish(channel, message);
    } catch (err) {
      throw new Error(`publishing on control channel "${channel}" failed`, { cause: err });
    }
  }

  private onMessage(channel: string, message: string): void {
    if (channel === this.commandChannel) {
      for (const handler of this.commandHandlers) this.call(handler, message);
    } else if (channel === this.replyChannel) {
      const reply = parseReply(message);
      if (!reply) {
        this.logger.warn({ message: message.slice(0, 200) }, 'ignoring malformed control reply');
        return;
      }
      for (const handler of this.replyHandlers) this.call(handler, reply);
    }
  }

  /** A throwing handler must not take the Redis connection's event loop down with it. */
  private call<T>(handler: (value: T) => void, value: T): void {
    try {
      handler(value);
    } catch (err) {
      this.logger.error({ err }, 'control channel handler threw');
    }
  }

  private assertOpen(): void {
    if (this.closed) throw new Error('control channel is closed');
  }
}

function parseReply(message: string): ControlReply | undefined {
  let value: unknown;
  try {
    value = JSON.parse(message);
  } catch {
    return undefined;
  }
  if (typeof value !== 'object' || value === null) return undefined;
  const reply = value as Record<string, unknown>;
  const valid =
    typeof reply.instance === 'string' &&
    typeof reply.pid === 'number' &&
    typeof reply.command === 'string' &&
    typeof reply.ok === 'boolean' &&
    (reply.clients === undefined || typeof reply.clients === 'number') &&
    (reply.error === undefined || typeof reply.error === 'string');
  return valid ? (value as ControlReply) : undefined;
}
