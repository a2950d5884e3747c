import type { ChannelModel, Options } from 'amqplib';
import type { Logger } from '../../application/ports.js';
import { AmqpChannelLine } from './amqp-channel-line.js';
import type { ReplyQueueType } from './amqp-options.js';

/** AMQP reply codes of a declare refused for this queue (not a lost connection). */
const REFUSALS: Record<number, string> = { 403: 'ACCESS_REFUSED', 404: 'NOT_FOUND', 405: 'RESOURCE_LOCKED', 406: 'PRECONDITION_FAILED' };

/** The broker refused to declare a reply queue as configured; other queues are unaffected. */
export class QueueDeclareRefused extends Error {
  constructor(
    readonly queue: string,
    readonly replyCode: number,
    message: string,
    options: { cause: unknown },
  ) {
    super(message, options);
    this.name = 'QueueDeclareRefused';
  }
}

/** What the bus declares for a reply queue of each type. */
export function replyQueueArguments(type: ReplyQueueType, durable: boolean): Options.AssertQueue {
  // Quorum queues refuse exclusive, auto-delete and non-durable (PRECONDITION_FAILED).
  if (type === 'quorum') return { durable: true, autoDelete: false, exclusive: false, arguments: { 'x-queue-type': 'quorum' } };
  // No x-queue-type for classic: a backend declaring the same queue plainly must match.
  return { durable, autoDelete: false, exclusive: false };
}

function describe(type: ReplyQueueType, durable: boolean): string {
  return type === 'quorum' ? 'quorum (durable, x-queue-type=quorum)' : `classic (${durable ? 'durable' : 'not durable'}, no x-queue-type)`;
}

/**
 * Declares reply queues on a small pool of channel lines of their own: a
 * refused declare closes only its channel, never a consuming one or the
 * connection, and declarations of many clients do not wait in one line.
 */
export class AmqpDeclarer {
  private lines: AmqpChannelLine[] = [];
  private next = 0;
  private readonly args: Options.AssertQueue;

  constructor(
    private readonly type: ReplyQueueType,
    private readonly durable: boolean,
    private readonly size: number,
    private readonly logger: Logger,
  ) {
    this.args = replyQueueArguments(type, durable);
  }

  attach(connection: ChannelModel): void {
    this.lines = Array.from({ length: this.size }, () => new AmqpChannelLine(connection, 'declare', this.logger));
  }

  detach(): void {
    this.lines = [];
  }

  /** The channel lines take turns; undefined while not connected. */
  private nextLine(): AmqpChannelLine | undefined {
    return this.lines[this.next++ % Math.max(1, this.lines.length)];
  }

  async declare(queue: string): Promise<void> {
    const line = this.nextLine();
    if (!line) throw new Error(`cannot declare "${queue}": message bus is not connected`);
    try {
      await line.run((channel) => channel.assertQueue(queue, this.args));
    } catch (err) {
      const code = (err as { code?: unknown }).code;
      if (typeof code === 'number' && REFUSALS[code]) {
        const detail = err instanceof Error ? err.message : String(err);
        const message =
          code === 406
            ? `reply queue "${queue}" exists with other arguments than this gateway declares, ${describe(this.type, this.durable)}: ` +
              `another party (a backend?) declared it differently, or it was made under another ` +
              `gateway.rabbitmq.replyQueueType or durable setting; the broker said: ${detail}`
            : `declaring reply queue "${queue}" was refused (${REFUSALS[code]}): ${detail}`;
        this.logger.error({ queue, replyCode: code }, message);
        throw new QueueDeclareRefused(queue, code, message, { cause: err });
      }
      throw new Error(`declaring queue "${queue}" failed`, { cause: err });
    }
  }

  /**
   * Whether `queue` is there (a passive declare): `missing`, the broker has
   * no such queue; `unavailable`, it has it but its node is down (a classic
   * queue's home node), or the broker could not be asked. Never throws.
   */
  async check(queue: string): Promise<'exists' | 'missing' | 'unavailable'> {
    const line = this.nextLine();
    if (!line) return 'unavailable';
    try {
      await line.run((channel) => channel.checkQueue(queue));
      return 'exists';
    } catch (err) {
      const code = (err as { code?: unknown }).code;
      const detail = err instanceof Error ? err.message : '';
      return code === 404 && !/home node|down or inaccessible/i.test(detail) ? 'missing' : 'unavailable';
    }
  }

  /**
   * Deletes `queue` only if it is empty and has no consumer (the broker
   * checks both atomically with the delete). Quorum queues cannot be
   * deleted that way (RabbitMQ closes the whole connection with
   * NOT_IMPLEMENTED), so they are always kept. Never throws.
   */
  async discard(queue: string): Promise<'deleted' | 'kept'> {
    if (this.type === 'quorum') return 'kept';
    const line = this.nextLine();
    if (!line) return 'kept';
    try {
      await line.run((channel) => channel.deleteQueue(queue, { ifEmpty: true, ifUnused: true }));
      return 'deleted';
    } catch (err) {
      const code = (err as { code?: unknown }).code;
      if (code === 406) this.logger.debug({ queue }, 'reply queue kept: not empty or in use');
      else this.logger.warn({ err, queue }, 'could not delete a reply queue nobody will read; it is left to the broker');
      return 'kept';
    }
  }
}
