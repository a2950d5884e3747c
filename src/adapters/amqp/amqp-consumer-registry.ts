import type { Channel, ChannelModel, ConsumeMessage } from 'amqplib';
import type { Consumer, ConsumerHandlers, Delivery, Logger } from '../../application/ports.js';

interface Registration {
  readonly queue: string;
  readonly handlers: ConsumerHandlers;
  live: boolean;
  /** Consumer tag and channel of its current incarnation, if any. */
  tag?: string;
  channel?: Channel;
}

/**
 * Every live consumer of the process, on one shared consuming channel (not
 * a channel per client). Remembers them so a new connection can consume
 * them again; a delivery handle only ever acts on the channel it came from.
 */
export class AmqpConsumerRegistry {
  private channel: Channel | undefined;
  /** Queue declarations run on their own channel: a refused declare closes only that one. */
  private declareChannel: Channel | undefined;
  private connection: ChannelModel | undefined;
  private readonly registrations = new Set<Registration>();

  constructor(
    private readonly options: { readonly durable: boolean; readonly prefetch: number },
    private readonly onChannelLost: (err: Error, epoch: number) => void,
    private readonly logger: Logger,
  ) {}

  /** Open the consuming channel on a new connection and consume every live registration again. */
  async attach(connection: ChannelModel, epoch: number): Promise<void> {
    const channel = await connection.createChannel();
    await channel.prefetch(this.options.prefetch);
    channel.on('error', (err: Error) => this.logger.warn({ err }, 'amqp consume channel error'));
    channel.on('close', () => {
      if (this.channel !== channel) return;
      this.channel = undefined;
      this.onChannelLost(new Error('amqp consume channel closed'), epoch);
    });
    this.connection = connection;
    this.channel = channel;
    for (const registration of [...this.registrations]) {
      if (registration.live) await this.restart(registration, channel);
    }
    this.logger.debug({ consumers: this.registrations.size }, 'amqp consumers re-established');
  }

  detach(): void {
    this.channel = undefined;
    this.declareChannel = undefined;
    this.connection = undefined;
  }

  /** Forget every consumer without telling anyone: the bus is closing. */
  close(): void {
    for (const registration of this.registrations) registration.live = false;
    this.registrations.clear();
    this.detach();
  }

  size(): number {
    return this.registrations.size;
  }

  async consume(queue: string, handlers: ConsumerHandlers): Promise<Consumer> {
    if (!this.channel) throw new Error(`cannot consume "${queue}": message bus is not connected`);
    const registration: Registration = { queue, handlers, live: true };
    await this.start(registration);
    // Added only once consuming: if the connection dropped meanwhile, start() threw.
    this.registrations.add(registration);
    return { cancel: () => this.cancel(registration) };
  }

  private async start(registration: Registration): Promise<void> {
    const channel = this.channel;
    if (!channel) throw new Error(`cannot consume "${registration.queue}": message bus is not connected`);
    await this.declare(registration.queue);
    const reply = await channel.consume(
      registration.queue,
      (message) => this.onMessage(registration, channel, message),
      { noAck: false },
    );
    registration.tag = reply.consumerTag;
    registration.channel = channel;
    if (!registration.live) {
      // Cancelled while being re-established: without this the broker would keep feeding a consumer nobody owns.
      await channel.cancel(reply.consumerTag).catch((err: unknown) => {
        this.logger.debug({ err, queue: registration.queue }, 'amqp late cancel on a closed channel');
      });
    }
  }

  /**
   * A queue the broker now refuses (say, redeclared with other arguments)
   * ends that consumer as a broker cancel would; a lost connection fails
   * the whole setup instead, so the manager retries.
   */
  private async restart(registration: Registration, channel: Channel): Promise<void> {
    try {
      await this.start(registration);
    } catch (err) {
      if (this.channel !== channel) throw err;
      this.logger.error({ err, queue: registration.queue }, 'amqp consumer could not be re-established');
      registration.live = false;
      this.registrations.delete(registration);
      registration.handlers.onCancelled();
    }
  }

  private async declare(queue: string): Promise<void> {
    const connection = this.connection;
    if (!connection) throw new Error(`cannot declare "${queue}": message bus is not connected`);
    if (!this.declareChannel) {
      const channel = await connection.createChannel();
      channel.on('error', (err: Error) => this.logger.warn({ err }, 'amqp declare channel error'));
      channel.on('close', () => {
        if (this.declareChannel === channel) this.declareChannel = undefined;
      });
      this.declareChannel = channel;
    }
    try {
      await this.declareChannel.assertQueue(queue, {
        durable: this.options.durable,
        autoDelete: false,
        exclusive: false,
      });
    } catch (err) {
      throw new Error(`declaring queue "${queue}" failed`, { cause: err });
    }
  }

  private async cancel(registration: Registration): Promise<void> {
    if (!registration.live) return;
    registration.live = false;
    this.registrations.delete(registration);
    const { channel, tag } = registration;
    if (!channel || !tag || channel !== this.channel) return;
    try {
      await channel.cancel(tag);
    } catch (err) {
      // The channel died under us: the consumer died with it.
      this.logger.debug({ err, queue: registration.queue }, 'amqp cancel on a closed channel');
    }
  }

  private onMessage(registration: Registration, channel: Channel, message: ConsumeMessage | null): void {
    if (message === null) {
      if (!registration.live) return;
      registration.live = false;
      this.registrations.delete(registration);
      this.logger.info({ queue: registration.queue }, 'amqp consumer cancelled by broker');
      registration.handlers.onCancelled();
      return;
    }
    if (!registration.live) {
      // Arrived between our basic.cancel and its cancel-ok: nobody wants it, give it back.
      this.settle(channel, message, (ch) => ch.nack(message, false, true));
      return;
    }
    let settled = false;
    const once = (action: (ch: Channel) => void) => () => {
      if (settled) return;
      settled = true;
      this.settle(channel, message, action);
    };
    const ack = once((ch) => ch.ack(message));
    const requeue = once((ch) => ch.nack(message, false, true));
    const drop = once((ch) => ch.nack(message, false, false));
    const replyTo = message.properties.replyTo as unknown;
    const delivery: Delivery = {
      body: message.content,
      ...(typeof replyTo === 'string' ? { replyTo } : {}),
      ack,
      nack: (requeueIt: boolean) => (requeueIt ? requeue() : drop()),
    };
    try {
      registration.handlers.onDelivery(delivery);
    } catch (err) {
      this.logger.error({ err, queue: registration.queue }, 'delivery handler threw; delivery left unsettled');
    }
  }

  /** Acting on a tag of a dead channel would kill the new one, so stale handles do nothing. */
  private settle(channel: Channel, message: ConsumeMessage, action: (ch: Channel) => void): void {
    if (channel !== this.channel) return;
    try {
      action(channel);
    } catch (err) {
      this.logger.debug({ err }, 'amqp settle on a closing channel ignored');
    }
  }
}
