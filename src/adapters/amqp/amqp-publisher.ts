import { randomUUID } from 'node:crypto';
import type { ChannelModel, ConfirmChannel, Message } from 'amqplib';
import { PublishError, type Logger } from '../../application/ports.js';
import { DEFAULT_CONFIRM_TIMEOUT_MS, DEFAULT_MAX_IN_FLIGHT } from './amqp-options.js';

/** A publish awaiting its confirm. */
interface Pending {
  returned: boolean;
  /** Already rejected with 'timeout' (its slot stays taken until the broker answers). */
  answered: boolean;
  readonly deadline: number;
  readonly routingKey: string;
  readonly reject: (err: Error) => void;
}

export interface AmqpPublisherOptions {
  readonly durable: boolean;
  readonly maxInFlight?: number;
  readonly confirmTimeoutMs?: number;
}

/** A publish waiting for a free in-flight slot or for the socket to drain. */
interface Waiter {
  /** Takes the slot and writes the message, synchronously (so a full buffer stops the next one). */
  readonly go: () => void;
  readonly fail: (reason: 'blocked' | 'not-connected' | 'closed') => void;
}

/**
 * Publishes on one confirm channel per connection. `mandatory` makes the
 * broker return what no queue takes; the return arrives before the confirm,
 * so each publish carries its own messageId to match the two up.
 *
 * Bounded: at most `maxInFlight` publishes await their confirm; others
 * wait in line. When amqplib's write buffer is full (publish returned
 * false) the line waits for its `drain`. Every publish settles within
 * `confirmTimeoutMs` (slot, drain and confirm together; noticed up to a
 * fifth of it late) or rejects with 'timeout'; its slot stays taken until the broker answers or the channel
 * dies, so a stalled broker cannot make the bound grow. While the broker
 * blocks the connection (resource alarm), publishes fail at once with
 * 'blocked'.
 */
export class AmqpPublisher {
  private channel: ConfirmChannel | undefined;
  private readonly pending = new Map<string, Pending>();
  private readonly idPrefix = randomUUID().slice(0, 8);
  private sequence = 0;
  private closed = false;
  private blocked = false;
  private inFlight = 0;
  private draining = false;
  private readonly line: Waiter[] = [];
  private readonly maxInFlight: number;
  private readonly timeoutMs: number;
  /** One timer for every confirm deadline (not one per publish): checks the oldest ones. */
  private sweeper: NodeJS.Timeout | undefined;

  constructor(
    private readonly options: AmqpPublisherOptions,
    private readonly onChannelLost: (err: Error, epoch: number) => void,
    private readonly logger: Logger,
  ) {
    this.maxInFlight = options.maxInFlight ?? DEFAULT_MAX_IN_FLIGHT;
    this.timeoutMs = options.confirmTimeoutMs ?? DEFAULT_CONFIRM_TIMEOUT_MS;
  }

  async attach(connection: ChannelModel, epoch: number): Promise<void> {
    const channel = await connection.createConfirmChannel();
    channel.on('return', (message: Message) => {
      const id = message.properties.messageId as unknown;
      const pending = typeof id === 'string' ? this.pending.get(id) : undefined;
      if (pending) pending.returned = true;
    });
    channel.on('drain', () => {
      if (this.channel !== channel) return;
      this.draining = false;
      this.wakeLine();
    });
    channel.on('error', (err: Error) => this.logger.warn({ err }, 'amqp publish channel error'));
    channel.on('close', () => {
      if (this.channel !== channel) return;
      this.lose();
      this.onChannelLost(new Error('amqp publish channel closed'), epoch);
    });
    this.channel = channel;
    this.draining = false;
    this.blocked = false;
  }

  /** The connection is gone; the channel went with it (its unconfirmed publishes fail). */
  detach(): void {
    this.lose();
  }

  close(): void {
    this.closed = true;
    this.channel = undefined;
    this.failLine('closed');
    if (this.sweeper) clearInterval(this.sweeper);
    this.sweeper = undefined;
  }

  /** The broker blocked (or unblocked) the connection. */
  setBlocked(blocked: boolean): void {
    this.blocked = blocked;
    if (blocked) this.failLine('blocked');
  }

  /** Publishes awaiting their confirm, and publishes waiting for a slot or a drain. */
  load(): { inFlight: number; waiting: number } {
    return { inFlight: this.inFlight, waiting: this.line.length };
  }

  publish(routingKey: string, body: Buffer, replyTo: string): Promise<void> {
    const refused = this.refusal();
    if (refused) return Promise.reject(new PublishError(refused, routingKey));
    if (Buffer.byteLength(routingKey) > 255) {
      return Promise.reject(new RangeError(`routing key is longer than 255 bytes: "${routingKey.slice(0, 40)}…"`));
    }
    const deadline = Date.now() + this.timeoutMs;
    if (this.line.length === 0 && this.canGo()) {
      this.inFlight++;
      return this.send(routingKey, body, replyTo, deadline);
    }
    return this.waitInLine(routingKey, body, replyTo, deadline);
  }

  private refusal(): 'closed' | 'not-connected' | 'blocked' | undefined {
    if (this.closed) return 'closed';
    if (!this.channel) return 'not-connected';
    if (this.blocked) return 'blocked';
    return undefined;
  }

  private canGo(): boolean {
    return this.inFlight < this.maxInFlight && !this.draining;
  }

  /** Settles as the publish does once its turn came; rejects if the line is failed, or with 'timeout'. */
  private waitInLine(routingKey: string, body: Buffer, replyTo: string, deadline: number): Promise<void> {
    return new Promise<void>((resolve, reject) => {
      const timer = setTimeout(() => {
        const i = this.line.indexOf(waiter);
        if (i >= 0) this.line.splice(i, 1);
        reject(new PublishError('timeout', routingKey, { cause: new Error(`no publish slot within ${this.timeoutMs} ms`) }));
      }, Math.max(0, deadline - Date.now()));
      const waiter: Waiter = {
        go: () => {
          clearTimeout(timer);
          this.inFlight++;
          this.send(routingKey, body, replyTo, deadline).then(resolve, reject);
        },
        fail: (reason) => {
          clearTimeout(timer);
          reject(new PublishError(reason, routingKey));
        },
      };
      this.line.push(waiter);
    });
  }

  private send(routingKey: string, body: Buffer, replyTo: string, deadline: number): Promise<void> {
    const channel = this.channel;
    const refused = this.refusal();
    if (refused || !channel) {
      this.release();
      return Promise.reject(new PublishError(refused ?? 'not-connected', routingKey));
    }
    const messageId = `${this.idPrefix}-${++this.sequence}`;
    return new Promise<void>((resolve, reject) => {
      const entry: Pending = { returned: false, answered: false, deadline, routingKey, reject };
      this.pending.set(messageId, entry);
      this.armSweeper();
      const confirmed = (err: unknown): void => {
        this.pending.delete(messageId);
        if (this.channel === channel) this.release();
        if (entry.answered) return;
        entry.answered = true;
        if (err) reject(this.failure(routingKey, err));
        else if (entry.returned) reject(new PublishError('unroutable', routingKey));
        else resolve();
      };
      try {
        const written = channel.publish(
          '',
          routingKey,
          body,
          { mandatory: true, contentType: 'application/json', replyTo, messageId, persistent: this.options.durable },
          confirmed,
        );
        // amqplib buffered it, but its write buffer is full: the line waits for 'drain'.
        if (!written) this.draining = true;
      } catch (err) {
        // A channel that is closing refuses synchronously.
        this.pending.delete(messageId);
        this.release();
        entry.answered = true;
        reject(new PublishError('not-connected', routingKey, { cause: err }));
      }
    });
  }

  /**
   * Confirms come back in publish order, so the pending map is in deadline
   * order: a sweep a few times per timeout rejects what is overdue (a
   * timeout is thus noticed up to a fifth of it late), and stops once
   * nothing awaits a confirm.
   */
  private armSweeper(): void {
    if (this.sweeper) return;
    this.sweeper = setInterval(() => this.sweep(), Math.max(20, Math.floor(this.timeoutMs / 5)));
    this.sweeper.unref();
  }

  private sweep(): void {
    if (this.pending.size === 0) {
      clearInterval(this.sweeper);
      this.sweeper = undefined;
      return;
    }
    const now = Date.now();
    for (const entry of this.pending.values()) {
      if (entry.answered) continue;
      if (entry.deadline > now) break;
      entry.answered = true;
      // The slot stays taken until the broker answers or the channel dies.
      entry.reject(new PublishError('timeout', entry.routingKey, { cause: new Error(`no broker confirm within ${this.timeoutMs} ms`) }));
    }
  }

  private release(): void {
    this.inFlight = Math.max(0, this.inFlight - 1);
    this.wakeLine();
  }

  private wakeLine(): void {
    while (this.line.length > 0 && this.canGo()) this.line.shift()!.go();
  }

  private failLine(reason: 'blocked' | 'not-connected' | 'closed'): void {
    for (const waiter of this.line.splice(0)) waiter.fail(reason);
  }

  /** The channel is gone: its unconfirmed publishes fail through their callbacks; slots start over. */
  private lose(): void {
    this.channel = undefined;
    this.inFlight = 0;
    this.draining = false;
    this.failLine('not-connected');
  }

  private failure(routingKey: string, err: unknown): PublishError {
    if (this.closed) return new PublishError('closed', routingKey, { cause: err });
    // amqplib reports a broker nack as 'message nacked'; anything else is the channel going away.
    const nacked = err instanceof Error && err.message === 'message nacked';
    return new PublishError(nacked ? 'nacked' : 'not-connected', routingKey, { cause: err });
  }
}
