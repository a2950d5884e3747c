import type { Channel, ChannelModel } from 'amqplib';
import type { Logger } from '../../application/ports.js';

/**
 * One channel that runs one operation at a time. The broker answers a
 * refused declare or delete by closing the channel it came on; with one
 * operation at a time that refusal fails only itself, and the next
 * operation gets a fresh channel. (Several operations queued on one
 * amqplib channel would all fail with it: other clients' declarations.)
 */
export class AmqpChannelLine {
  private channel: Promise<Channel> | undefined;
  private tail: Promise<unknown> = Promise.resolve();

  constructor(
    private readonly connection: ChannelModel,
    private readonly role: string,
    private readonly logger: Logger,
  ) {}

  run<T>(operation: (channel: Channel) => Promise<T>): Promise<T> {
    const result = this.tail.then(() => this.execute(operation));
    this.tail = result.catch(() => undefined);
    return result;
  }

  private async execute<T>(operation: (channel: Channel) => Promise<T>): Promise<T> {
    const pending = this.open();
    try {
      return await operation(await pending);
    } catch (err) {
      // Whatever failed may have closed the channel: never reuse it.
      if (this.channel === pending) this.channel = undefined;
      void pending.then((ch) => ch.close()).catch(() => undefined);
      throw err;
    }
  }

  private open(): Promise<Channel> {
    if (this.channel) return this.channel;
    const pending = this.connection.createChannel().then((channel) => {
      channel.on('error', (err: Error) => this.logger.debug({ err, role: this.role }, 'amqp channel closed by the broker'));
      channel.on('close', () => {
        if (this.channel === pending) this.channel = undefined;
      });
      return channel;
    });
    this.channel = pending;
    return pending;
  }
}
