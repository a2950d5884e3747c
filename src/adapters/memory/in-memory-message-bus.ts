import {
  PublishError,
  type CancelOptions,
  type Consumer,
  type ConsumerHandlers,
  type Delivery,
  type MessageBus,
  type PublishOptions,
} from '../../application/ports.js';

export interface InMemoryMessageBusOptions {
  /** Unacknowledged deliveries per consumer, as RabbitMQ's basic.qos. */
  readonly prefetch?: number;
}

interface Message {
  readonly body: Buffer;
  readonly replyTo?: string;
}

interface QueueState {
  readonly name: string;
  readonly ready: Message[];
  readonly consumers: ConsumerState[];
  /** Every unsettled delivery of this queue, whether its consumer is live or not. */
  readonly unacked: Set<DeliveryState>;
  nextConsumer: number;
  deleted: boolean;
}

interface ConsumerState {
  readonly queue: QueueState;
  readonly handlers: ConsumerHandlers;
  /** Unsettled deliveries counted against this consumer's prefetch. */
  inFlight: number;
  live: boolean;
  /** One of its deliveries went back to the queue (cancel's discardQueue then keeps it, as on RabbitMQ). */
  requeued: boolean;
}

interface DeliveryState {
  readonly message: Message;
  readonly consumer: ConsumerState;
  settled: boolean;
}

/**
 * A broker in a process, with the RabbitMQ semantics the gateway relies on:
 * queues exist once consumed (declared), a publish to a missing queue is
 * returned as unroutable, deliveries stay unacked until settled, a requeue
 * goes back to the head, and cancelling a consumer does not return what it
 * holds. Agents living in the same process use the same bus.
 */
export class InMemoryMessageBus implements MessageBus {
  private readonly queues = new Map<string, QueueState>();
  private readonly prefetch: number;
  private closed = false;
  private dispatchScheduled = false;
  private readonly dirty = new Set<QueueState>();

  constructor(options: InMemoryMessageBusOptions = {}) {
    const prefetch = options.prefetch ?? 10;
    if (!Number.isInteger(prefetch) || prefetch < 1) {
      throw new RangeError(`prefetch must be a positive integer, got ${String(options.prefetch)}`);
    }
    this.prefetch = prefetch;
  }

  async publish(routingKey: string, body: Buffer, options: PublishOptions): Promise<void> {
    // Routing happens at call time so concurrent publishes keep their order;
    // the confirm arrives later, as it does from a broker.
    const failure = this.route(routingKey, { body, replyTo: options.replyTo });
    await Promise.resolve();
    if (failure) throw new PublishError(failure, routingKey);
  }

  async consume(queue: string, handlers: ConsumerHandlers): Promise<Consumer> {
    if (this.closed) throw new Error('message bus is closed');
    const state = this.declare(queue);
    const consumer: ConsumerState = { queue: state, handlers, inFlight: 0, live: true, requeued: false };
    state.consumers.push(consumer);
    this.schedule(state);
    return {
      cancel: async (options?: CancelOptions) => {
        if (!consumer.live) return;
        this.removeConsumer(consumer);
        if (options?.discardQueue && !consumer.requeued) this.discardIfUnused(state);
      },
    };
  }

  isConnected(): boolean {
    return !this.closed;
  }

  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    for (const queue of this.queues.values()) {
      for (const consumer of [...queue.consumers]) this.removeConsumer(consumer);
    }
  }

  // ------------------------------------------------------ test / agent helpers

  /** Declare a queue without consuming it (messages then wait in it). */
  declareQueue(name: string): void {
    this.declare(name);
  }

  hasQueue(name: string): boolean {
    return this.queues.has(name);
  }

  /** Ready (not yet delivered) messages in `name`; 0 for a missing queue. */
  queueDepth(name: string): number {
    return this.queues.get(name)?.ready.length ?? 0;
  }

  /** Delivered but unsettled messages of `name`, including those of cancelled consumers. */
  unackedCount(name: string): number {
    return this.queues.get(name)?.unacked.size ?? 0;
  }

  /** Live consumers over all queues, or of one queue. */
  consumerCount(queue?: string): number {
    if (queue !== undefined) return this.queues.get(queue)?.consumers.length ?? 0;
    let count = 0;
    for (const state of this.queues.values()) count += state.consumers.length;
    return count;
  }

  /**
   * Delete a queue as an operator or agent would: its ready messages are
   * dropped, its consumers get onCancelled, its unsettled deliveries become
   * no-ops. Returns false if there was no such queue.
   */
  deleteQueue(name: string): boolean {
    const state = this.queues.get(name);
    if (!state) return false;
    this.queues.delete(name);
    state.deleted = true;
    state.ready.length = 0;
    state.unacked.clear();
    for (const consumer of state.consumers.splice(0)) {
      consumer.live = false;
      consumer.handlers.onCancelled('deleted');
    }
    return true;
  }

  /**
   * Move the ready messages of `from` to the tail of `to` (declared if
   * missing), as the backend does for a reconnecting client. Returns how
   * many moved.
   */
  moveQueue(from: string, to: string): number {
    const source = this.queues.get(from);
    if (!source || from === to) return 0;
    const target = this.declare(to);
    const moved = source.ready.splice(0);
    target.ready.push(...moved);
    this.schedule(target);
    return moved.length;
  }

  // ---------------------------------------------------------------- internals

  private route(routingKey: string, message: Message): 'closed' | 'unroutable' | undefined {
    if (this.closed) return 'closed';
    const state = this.queues.get(routingKey);
    if (!state) return 'unroutable';
    state.ready.push(message);
    this.schedule(state);
    return undefined;
  }

  private declare(name: string): QueueState {
    if (name.length === 0 || name.length > 255) {
      throw new RangeError(`queue name must be 1..255 characters, got ${name.length}`);
    }
    let state = this.queues.get(name);
    if (!state) {
      state = { name, ready: [], consumers: [], unacked: new Set(), nextConsumer: 0, deleted: false };
      this.queues.set(name, state);
    }
    return state;
  }

  private removeConsumer(consumer: ConsumerState): void {
    if (!consumer.live) return;
    consumer.live = false;
    const list = consumer.queue.consumers;
    const index = list.indexOf(consumer);
    if (index >= 0) list.splice(index, 1);
  }

  /** As RabbitMQ's queue.delete if-empty if-unused, and nothing of it unsettled either. */
  private discardIfUnused(state: QueueState): void {
    if (state.deleted || state.ready.length > 0 || state.consumers.length > 0 || state.unacked.size > 0) return;
    this.queues.delete(state.name);
    state.deleted = true;
  }

  /** Deliveries go out on a later microtask, never inside the caller's stack. */
  private schedule(state: QueueState): void {
    this.dirty.add(state);
    if (this.dispatchScheduled) return;
    this.dispatchScheduled = true;
    queueMicrotask(() => {
      this.dispatchScheduled = false;
      const queues = [...this.dirty];
      this.dirty.clear();
      for (const queue of queues) this.dispatch(queue);
    });
  }

  private dispatch(state: QueueState): void {
    while (!state.deleted && state.ready.length > 0) {
      const consumer = this.pickConsumer(state);
      if (!consumer) return;
      const message = state.ready.shift() as Message;
      const delivery: DeliveryState = { message, consumer, settled: false };
      consumer.inFlight++;
      state.unacked.add(delivery);
      consumer.handlers.onDelivery(this.handle(delivery));
    }
  }

  private pickConsumer(state: QueueState): ConsumerState | undefined {
    const count = state.consumers.length;
    for (let i = 0; i < count; i++) {
      const index = (state.nextConsumer + i) % count;
      const consumer = state.consumers[index];
      if (consumer && consumer.inFlight < this.prefetch) {
        state.nextConsumer = (index + 1) % count;
        return consumer;
      }
    }
    return undefined;
  }

  private handle(delivery: DeliveryState): Delivery {
    const settle = (requeue: boolean): void => {
      if (delivery.settled) return;
      delivery.settled = true;
      const { consumer } = delivery;
      const queue = consumer.queue;
      consumer.inFlight--;
      if (requeue) consumer.requeued = true;
      if (queue.deleted) return;
      queue.unacked.delete(delivery);
      if (requeue) queue.ready.unshift(delivery.message);
      this.schedule(queue);
    };
    return {
      body: delivery.message.body,
      ...(delivery.message.replyTo !== undefined ? { replyTo: delivery.message.replyTo } : {}),
      ack: () => settle(false),
      nack: (requeue: boolean) => settle(requeue),
    };
  }
}
