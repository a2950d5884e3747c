import { randomUUID } from 'node:crypto';
import type { ChannelModel, ConfirmChannel, Message } from 'amqplib';
import { PublishError, type Logger } from '../../application/ports.js';

interface Pending {
  returned: boolean;
}

/**
 * Publishes on one confirm channel per connection. `mandatory` makes the
 * broker return what no queue takes; the return arrives before the confirm,
 * so each publish carries its own messageId to match the two up.
 */
export class AmqpPublisher {
  private channel: ConfirmChannel | undefined;
  private readonly pending = new Map<string, Pending>();
  private readonly idPrefix = randomUUID().slice(0, 8);
  private sequence = 0;
  private closed = false;

  constructor(
    private readonly durable: boolean,
    private readonly onChannelLost: (err: Error, epoch: number) => void,
    private readonly logger: Logger,
  ) {}

  async attach(connection: ChannelModel, epoch: number): Promise<void> {
    const channel = await connection.createConfirmChannel();
    channel.on('return', (message: Message) => {
      const id = message.properties.messageId as unknown;
      const pending = typeof id === 'string' ? this.pending.get(id) : undefined;
      if (pending) pending.returned = true;
    });
    channel.on('error', (err: Error) => this.logger.warn({ err }, 'amqp publish channel error'));
    channel.on('close', () => {
      if (this.channel !== channel) return;
      this.channel = undefined;
      this.onChannelLost(new Error('amqp publish channel closed'), epoch);
    });
    this.channel = channel;
  }

  /** The connection is gone; the channel went with it. */
  detach(): void {
    this.channel = undefined;
  }

  close(): void {
    this.closed = true;
    this.channel = undefined;
  }

  publish(routingKey: string, body: Buffer, replyTo: string): Promise<void> {
    if (this.closed) return Promise.reject(new PublishError('closed', routingKey));
    const channel = this.channel;
    if (!channel) return Promise.reject(new PublishError('not-connected', routingKey));
    if (Buffer.byteLength(routingKey) > 255) {
      return Promise.reject(new RangeError(`routing key is longer than 255 bytes: "${routingKey.slice(0, 40)}…"`));
    }
    const messageId = `${this.idPrefix}-${++this.sequence}`;
    const entry: Pending = { returned: false };
    this.pending.set(messageId, entry);
    return new Promise<void>((resolve, reject) => {
      const confirmed = (err: unknown): void => {
        this.pending.delete(messageId);
        if (err) reject(this.failure(routingKey, err));
        else if (entry.returned) reject(new PublishError('unroutable', routingKey));
        else resolve();
      };
      try {
        channel.publish(
          '',
          routingKey,
          body,
          {
            mandatory: true,
            contentType: 'application/json',
            replyTo,
            messageId,
            persistent: this.durable,
          },
          confirmed,
        );
      } catch (err) {
        // A channel that is closing refuses synchronously.
        this.pending.delete(messageId);
        reject(new PublishError('not-connected', routingKey, { cause: err }));
      }
    });
  }

  private failure(routingKey: string, err: unknown): PublishError {
    if (this.closed) return new PublishError('closed', routingKey, { cause: err });
    // amqplib reports a broker nack as 'message nacked'; anything else is the channel going away.
    const nacked = err instanceof Error && err.message === 'message nacked';
    return new PublishError(nacked ? 'nacked' : 'not-connected', routingKey, { cause: err });
  }
}
