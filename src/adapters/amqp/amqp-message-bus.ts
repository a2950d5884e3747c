import type { ChannelModel } from 'amqplib';
import {
  PublishError,
  type Consumer,
  type ConsumerHandlers,
  type Logger,
  type MessageBus,
  type PublishOptions,
} from '../../application/ports.js';
import type { ConnectionHealth } from '../../application/stats/connection-health.js';
import { AmqpConnectionManager, type AmqpStatus } from './amqp-connection-manager.js';
import { AmqpConsumerRegistry } from './amqp-consumer-registry.js';
import { validateAmqpOptions, type AmqpMessageBusOptions } from './amqp-options.js';
import { AmqpPublisher } from './amqp-publisher.js';

/**
 * The MessageBus on RabbitMQ (amqplib): one connection per process, one
 * confirm channel to publish, a small pool of channels to consume and to
 * declare. Reconnects by itself, failing over across its URLs; while
 * disconnected, publish rejects at once with 'not-connected', while the
 * broker blocks publishing with 'blocked'.
 */
export class AmqpMessageBus implements MessageBus {
  private readonly manager: AmqpConnectionManager;
  private readonly publisher: AmqpPublisher;
  private readonly consumers: AmqpConsumerRegistry;
  private closed = false;

  constructor(options: AmqpMessageBusOptions, logger: Logger) {
    validateAmqpOptions(options);
    const log = logger.child({ component: 'amqp' });
    // Channels close just before their connection does: wait a tick so a
    // connection loss is not mistaken for a lone channel failure.
    const dropConnection = (err: Error, epoch: number): void =>
      queueMicrotask(() => this.manager.drop(err, epoch));
    this.publisher = new AmqpPublisher(options, dropConnection, log);
    this.consumers = new AmqpConsumerRegistry(options, dropConnection, log);
    this.manager = new AmqpConnectionManager(
      options,
      {
        onConnect: async (connection: ChannelModel, epoch: number) => {
          await this.publisher.attach(connection, epoch);
          await this.consumers.attach(connection, epoch);
        },
        onDisconnect: () => {
          this.publisher.detach();
          this.consumers.detach();
        },
        onBlocked: (blocked: boolean) => this.publisher.setBlocked(blocked),
      },
      log,
    );
  }

  /**
   * Connect, retrying with backoff until the broker answers. Resolves on
   * the first connection; the bus keeps reconnecting by itself afterwards.
   */
  start(): Promise<void> {
    return this.manager.start();
  }

  publish(routingKey: string, body: Buffer, options: PublishOptions): Promise<void> {
    if (this.closed) return Promise.reject(new PublishError('closed', routingKey));
    return this.publisher.publish(routingKey, body, options.replyTo);
  }

  async consume(queue: string, handlers: ConsumerHandlers): Promise<Consumer> {
    if (this.closed) throw new Error(`cannot consume "${queue}": message bus is closed`);
    return this.consumers.consume(queue, handlers);
  }

  isConnected(): boolean {
    return !this.closed && this.manager.isConnected();
  }

  /**
   * Which broker node the bus is on and since when, when it last failed
   * over, whether the broker blocks publishing: for /ready and /metrics.
   */
  status(): AmqpStatus & { readonly inFlight: number; readonly waiting: number } {
    const status = this.manager.status();
    return { ...status, connected: status.connected && !this.closed, ...this.publisher.load() };
  }

  /** The broker connection's state and when it last changed (admin page). */
  health(): ConnectionHealth {
    return this.manager.health.get();
  }

  /** Consumers currently registered (re-established on every reconnect). */
  consumerCount(): number {
    return this.consumers.size();
  }

  /** Closing the connection hands every unsettled delivery back to the broker. */
  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    this.publisher.close();
    this.consumers.close();
    await this.manager.stop();
  }
}
