import type { Channel, ChannelModel, ConsumeMessage } from 'amqplib';
import type { CancelOptions, Consumer, ConsumerHandlers, Delivery, Logger } from '../../application/ports.js';
import { AmqpDeclarer } from './amqp-declarer.js';
import type { ReplyQueueType } from './amqp-options.js';

interface Registration {
  readonly queue: string;
  readonly handlers: ConsumerHandlers;
  live: boolean;
  /** Consumer tag and channel of its current incarnation, if any. */
  tag?: string;
  channel?: Channel;
  /** Deliveries that arrived between our basic.cancel and its cancel-ok. */
  late?: ConsumeMessage[];
  /** Deliveries of the current incarnation not yet acked, nacked or dropped. */
  unsettled: number;
  /**
   * A delivery went back to the queue (nack with requeue, or its channel
   * died holding it). A requeue travels on the consuming channel and a
   * delete on another, so after one the queue is never discarded: the
   * delete could overtake it.
   */
  requeued: boolean;
}

/**
 * Every live consumer of the process, spread over a small pool of
 * consuming channels (not a channel per client). Remembers them so a new
 * connection can consume them again; a delivery handle only ever acts on
 * the channel it came from, and only while that channel lives.
 */
export class AmqpConsumerRegistry {
  private channels: Channel[] = [];
  private readonly live = new Set<Channel>();
  private next = 0;
  private readonly declarer: AmqpDeclarer;
  private readonly registrations = new Set<Registration>();
  private readonly poolSize: number;

  constructor(
    private readonly options: {
      readonly durable: boolean;
      readonly prefetch: number;
      readonly channels?: number;
      readonly replyQueueType?: ReplyQueueType;
    },
    private readonly onChannelLost: (err: Error, epoch: number) => void,
    private readonly logger: Logger,
  ) {
    this.poolSize = Math.max(1, options.channels ?? 4);
    this.declarer = new AmqpDeclarer(options.replyQueueType ?? 'classic', options.durable, this.poolSize, logger);
  }

  /** Open the consuming channels on a new connection and consume every live registration again. */
  async attach(connection: ChannelModel, epoch: number): Promise<void> {
    const channels: Channel[] = [];
    for (let i = 0; i < this.poolSize; i++) channels.push(await this.openChannel(connection, epoch));
    this.channels = channels;
    for (const ch of channels) this.live.add(ch);
    this.declarer.attach(connection);
    // Re-consume in parallel across the channels, one line per channel.
    const lines: Registration[][] = channels.map(() => []);
    let i = 0;
    for (const registration of this.registrations) if (registration.live) lines[i++ % lines.length]!.push(registration);
    await Promise.all(
      lines.map(async (line, n) => {
        for (const registration of line) await this.restart(registration, channels[n]!);
      }),
    );
    this.logger.debug({ consumers: this.registrations.size }, 'amqp consumers re-established');
  }

  detach(): void {
    this.channels = [];
    this.live.clear();
    this.declarer.detach();
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
    const channel = this.pick();
    if (!channel) throw new Error(`cannot consume "${queue}": message bus is not connected`);
    const registration: Registration = { queue, handlers, live: true, unsettled: 0, requeued: false };
    await this.start(registration, channel);
    // Added only once consuming: if the connection dropped meanwhile, start() threw.
    this.registrations.add(registration);
    return { cancel: (options?: CancelOptions) => this.cancel(registration, options) };
  }

  private async openChannel(connection: ChannelModel, epoch: number): Promise<Channel> {
    const channel = await connection.createChannel();
    await channel.prefetch(this.options.prefetch);
    channel.on('error', (err: Error) => this.logger.warn({ err }, 'amqp consume channel error'));
    channel.on('close', () => {
      if (!this.live.delete(channel)) return;
      this.onChannelLost(new Error('amqp consume channel closed'), epoch);
    });
    return channel;
  }

  private pick(): Channel | undefined {
    if (this.channels.length === 0) return undefined;
    this.next = (this.next + 1) % this.channels.length;
    return this.channels[this.next];
  }

  private async start(registration: Registration, channel: Channel): Promise<void> {
    // Deliveries held on a channel that died went back to the queue.
    if (registration.unsettled > 0) registration.requeued = true;
    registration.unsettled = 0;
    await this.declarer.declare(registration.queue);
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
      await this.start(registration, channel);
    } catch (err) {
      if (!this.live.has(channel)) throw err;
      // Refused, not deleted: a declare would have made a deleted queue again (a classic queue whose node is down says NOT_FOUND).
      this.logger.error({ err, queue: registration.queue }, 'amqp consumer could not be re-established');
      registration.live = false;
      this.registrations.delete(registration);
      registration.handlers.onCancelled('unavailable');
    }
  }

  private async cancel(registration: Registration, options: CancelOptions | undefined): Promise<void> {
    if (!registration.live) return;
    registration.live = false;
    this.registrations.delete(registration);
    const { channel, tag } = registration;
    if (!channel || !tag || !this.live.has(channel)) return;
    registration.late = [];
    try {
      await channel.cancel(tag);
    } catch (err) {
      // The channel died under us: the consumer died with it.
      this.logger.debug({ err, queue: registration.queue }, 'amqp cancel on a closed channel');
      return;
    }
    // Only now: a requeue before cancel-ok would go straight back to this consumer.
    const late = registration.late;
    registration.late = undefined;
    for (const message of late) this.settle(channel, message, 'requeue');
    if (!options?.discardQueue) return;
    if (late.length > 0 || registration.unsettled > 0 || registration.requeued || !this.live.has(channel)) {
      this.logger.debug({ queue: registration.queue }, 'reply queue kept: deliveries of it are unsettled or went back to it');
      return;
    }
    await this.declarer.discard(registration.queue);
  }

  private onMessage(registration: Registration, channel: Channel, message: ConsumeMessage | null): void {
    if (message === null) {
      if (!registration.live) return;
      registration.live = false;
      this.registrations.delete(registration);
      void this.declarer.check(registration.queue).then((state) => {
        this.logger.info({ queue: registration.queue, queueState: state }, 'amqp consumer cancelled by broker');
        registration.handlers.onCancelled(state === 'missing' ? 'deleted' : 'unavailable');
      });
      return;
    }
    if (!registration.live) {
      if (registration.late) registration.late.push(message);
      else this.settle(channel, message, 'requeue');
      return;
    }
    registration.unsettled++;
    const delivery = new AmqpDelivery(this, registration, channel, message);
    try {
      registration.handlers.onDelivery(delivery);
    } catch (err) {
      this.logger.error({ err, queue: registration.queue }, 'delivery handler threw; delivery left unsettled');
    }
  }

  /** Acting on a tag of a dead channel would kill the new one, so stale handles do nothing. */
  settle(channel: Channel, message: ConsumeMessage, how: Settle): void {
    if (!this.live.has(channel)) return;
    try {
      if (how === 'ack') channel.ack(message);
      else channel.nack(message, false, how === 'requeue');
    } catch (err) {
      this.logger.debug({ err }, 'amqp settle on a closing channel ignored');
    }
  }
}

type Settle = 'ack' | 'requeue' | 'drop';

/**
 * One delivery's handle: settles once, on the channel it came from. One
 * object per delivery (closures per delivery cost allocations on every
 * message of every client).
 */
class AmqpDelivery implements Delivery {
  readonly body: Buffer;
  readonly replyTo?: string;
  private settled = false;

  constructor(
    private readonly registry: AmqpConsumerRegistry,
    private readonly registration: Registration,
    private readonly channel: Channel,
    private readonly message: ConsumeMessage,
  ) {
    this.body = message.content;
    const replyTo = message.properties.replyTo as unknown;
    if (typeof replyTo === 'string') this.replyTo = replyTo;
  }

  ack(): void {
    this.settle('ack');
  }

  nack(requeue: boolean): void {
    this.settle(requeue ? 'requeue' : 'drop');
  }

  private settle(how: Settle): void {
    if (this.settled) return;
    this.settled = true;
    // A handle of an earlier incarnation (its channel died) counts for nothing now.
    if (this.registration.channel === this.channel) {
      this.registration.unsettled--;
      if (how === 'requeue') this.registration.requeued = true;
    }
    this.registry.settle(this.channel, this.message, how);
  }
}
