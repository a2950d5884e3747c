import type { Channel, ChannelModel } from 'amqplib';
import type { Logger } from '../../application/ports.js';

/**
 * Declares reply queues on a small pool of channels of their own: a refused
 * declare closes only its channel (opened again on the next declare), never
 * a consuming one, and declarations of many clients do not wait in one line.
 */
export class AmqpDeclarer {
  private connection: ChannelModel | undefined;
  private readonly slots: Array<Promise<Channel> | undefined>;
  private next = 0;

  constructor(
    private readonly durable: boolean,
    size: number,
    private readonly logger: Logger,
  ) {
    this.slots = Array.from({ length: size }, () => undefined);
  }

  attach(connection: ChannelModel): void {
    this.connection = connection;
  }

  detach(): void {
    this.connection = undefined;
    this.slots.fill(undefined);
  }

  async declare(queue: string): Promise<void> {
    const channel = await this.channel(queue);
    try {
      await channel.assertQueue(queue, { durable: this.durable, autoDelete: false, exclusive: false });
    } catch (err) {
      throw new Error(`declaring queue "${queue}" failed`, { cause: err });
    }
  }

  private channel(queue: string): Promise<Channel> {
    const connection = this.connection;
    if (!connection) return Promise.reject(new Error(`cannot declare "${queue}": message bus is not connected`));
    const slot = this.next;
    this.next = (this.next + 1) % this.slots.length;
    let pending = this.slots[slot];
    if (!pending) {
      pending = connection.createChannel().then((channel) => {
        channel.on('error', (err: Error) => this.logger.warn({ err }, 'amqp declare channel error'));
        channel.on('close', () => {
          if (this.slots[slot] === pending) this.slots[slot] = undefined;
        });
        return channel;
      });
      pending.catch(() => {
        if (this.slots[slot] === pending) this.slots[slot] = undefined;
      });
      this.slots[slot] = pending;
    }
    return pending;
  }
}
