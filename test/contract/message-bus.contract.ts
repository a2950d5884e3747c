import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import {
  PublishError,
  type ConsumerHandlers,
  type Delivery,
  type MessageBus,
} from '../../src/application/ports.js';

/** What a message-bus contract run needs from the adapter under test. */
export interface MessageBusFixture {
  readonly bus: MessageBus;
  /** Prefetch the bus was built with (small, so limits are reachable). */
  readonly prefetch: number;
  /** A queue name no other test uses. */
  queueName(label: string): string;
  /** Delete a queue from outside, as an operator or agent would. */
  deleteQueue(name: string): Promise<void>;
  /**
   * Whether cancel({ discardQueue: true }) can delete an empty, unused queue
   * (false: the adapter keeps every queue, e.g. RabbitMQ quorum queues).
   */
  readonly discardsQueues: boolean;
  /**
   * Where a delivery nacked with requeue goes: back to the head (RabbitMQ
   * classic queues, the in-memory bus) or to the tail (quorum queues).
   */
  readonly requeueTo: 'head' | 'tail';
  /** Release everything: queues created, connections. */
  dispose(): Promise<void>;
}

export const CONTRACT_PREFETCH = 3;

/** Collects deliveries and lets a test wait for the n-th one. */
export class Collector implements ConsumerHandlers {
  readonly deliveries: Delivery[] = [];
  cancelled = 0;
  /** Why, for each onCancelled. */
  readonly ends: string[] = [];
  private waiters: Array<() => void> = [];

  onDelivery(delivery: Delivery): void {
    this.deliveries.push(delivery);
    this.wake();
  }

  onCancelled(why: string): void {
    this.cancelled++;
    this.ends.push(why);
    this.wake();
  }

  bodies(): string[] {
    return this.deliveries.map((d) => d.body.toString());
  }

  async waitForCount(n: number): Promise<Delivery[]> {
    await this.until(() => this.deliveries.length >= n);
    return this.deliveries.slice(0, n);
  }

  async waitForCancel(): Promise<void> {
    await this.until(() => this.cancelled > 0);
  }

  private until(done: () => boolean): Promise<void> {
    if (done()) return Promise.resolve();
    return new Promise((resolve) => {
      const check = (): void => {
        if (done()) resolve();
        else this.waiters.push(check);
      };
      this.waiters.push(check);
    });
  }

  private wake(): void {
    const waiters = this.waiters;
    this.waiters = [];
    for (const waiter of waiters) waiter();
  }
}

const json = (value: unknown): Buffer => Buffer.from(JSON.stringify(value));

export function messageBusContract(name: string, factory: () => Promise<MessageBusFixture>): void {
  describe(`MessageBus contract: ${name}`, () => {
    let fx: MessageBusFixture;

    beforeEach(async () => {
      fx = await factory();
    });

    afterEach(async () => {
      await fx.dispose();
    });

    it('is connected once started', () => {
      expect(fx.bus.isConnected()).toBe(true);
    });

    it('delivers a published message to the consumer of its queue, with its replyTo', async () => {
      const queue = fx.queueName('basic');
      const collector = new Collector();
      await fx.bus.consume(queue, collector);
      await fx.bus.publish(queue, json({ hello: 'world' }), { replyTo: 'client-1' });
      const [delivery] = await collector.waitForCount(1);
      expect(JSON.parse(delivery!.body.toString())).toEqual({ hello: 'world' });
      expect(delivery!.replyTo).toBe('client-1');
      delivery!.ack();
    });

    it('rejects a publish to a queue that does not exist as unroutable', async () => {
      const queue = fx.queueName('nobody-home');
      const error = await fx.bus.publish(queue, json({}), { replyTo: 'x' }).catch((e: unknown) => e);
      expect(error).toBeInstanceOf(PublishError);
      expect((error as PublishError).reason).toBe('unroutable');
      expect((error as PublishError).routingKey).toBe(queue);
    });

    it('keeps per-queue FIFO order for concurrent publishes', async () => {
      const queue = fx.queueName('fifo');
      const collector = new Collector();
      await fx.bus.consume(queue, {
        onDelivery: (d) => {
          collector.onDelivery(d);
          d.ack();
        },
        onCancelled: (why) => collector.onCancelled(why),
      });
      const sent = Array.from({ length: 20 }, (_, i) => String(i));
      await Promise.all(sent.map((n) => fx.bus.publish(queue, Buffer.from(n), { replyTo: 'r' })));
      await collector.waitForCount(sent.length);
      expect(collector.bodies()).toEqual(sent);
    });

    it('forgets an acked message: a later consumer does not see it again', async () => {
      const queue = fx.queueName('ack');
      const first = new Collector();
      const consumer = await fx.bus.consume(queue, first);
      await fx.bus.publish(queue, Buffer.from('acked'), { replyTo: 'r' });
      const [delivery] = await first.waitForCount(1);
      delivery!.ack();
      delivery!.ack(); // idempotent
      delivery!.nack(true); // no effect once settled
      await consumer.cancel();
      const second = new Collector();
      await fx.bus.consume(queue, second);
      await fx.bus.publish(queue, Buffer.from('marker'), { replyTo: 'r' });
      await second.waitForCount(1);
      expect(second.bodies()).toEqual(['marker']);
    });

    it('puts a nacked-with-requeue delivery back in its queue, at the head or (quorum) the tail', async () => {
      const queue = fx.queueName('requeue');
      const first = new Collector();
      const consumer = await fx.bus.consume(queue, first);
      await fx.bus.publish(queue, Buffer.from('a'), { replyTo: 'r' });
      const [a] = await first.waitForCount(1);
      await consumer.cancel();
      await fx.bus.publish(queue, Buffer.from('b'), { replyTo: 'r' });
      a!.nack(true);
      const second = new Collector();
      await fx.bus.consume(queue, second);
      await second.waitForCount(2);
      expect(second.bodies()).toEqual(fx.requeueTo === 'head' ? ['a', 'b'] : ['b', 'a']);
    });

    it('drops a delivery nacked without requeue', async () => {
      const queue = fx.queueName('drop');
      const first = new Collector();
      const consumer = await fx.bus.consume(queue, first);
      await fx.bus.publish(queue, Buffer.from('dropped'), { replyTo: 'r' });
      const [delivery] = await first.waitForCount(1);
      delivery!.nack(false);
      await consumer.cancel();
      const second = new Collector();
      await fx.bus.consume(queue, second);
      await fx.bus.publish(queue, Buffer.from('marker'), { replyTo: 'r' });
      await second.waitForCount(1);
      expect(second.bodies()).toEqual(['marker']);
    });

    it('does not return unacked deliveries when a consumer is merely cancelled', async () => {
      const queue = fx.queueName('cancel-keeps');
      const first = new Collector();
      const consumer = await fx.bus.consume(queue, first);
      await fx.bus.publish(queue, Buffer.from('held'), { replyTo: 'r' });
      const [held] = await first.waitForCount(1);
      await consumer.cancel();
      await consumer.cancel(); // idempotent
      const second = new Collector();
      await fx.bus.consume(queue, second);
      await fx.bus.publish(queue, Buffer.from('marker'), { replyTo: 'r' });
      await second.waitForCount(1);
      // Had the cancel returned it, 'held' would sit at the head, before the marker.
      expect(second.bodies()).toEqual(['marker']);
      held!.nack(true);
      await second.waitForCount(2);
      expect(second.bodies()).toEqual(['marker', 'held']);
      expect(first.cancelled).toBe(0);
    });

    it('limits unacknowledged deliveries per consumer to the prefetch', async () => {
      const queue = fx.queueName('prefetch');
      const greedy = new Collector();
      await fx.bus.consume(queue, greedy);
      const total = fx.prefetch + 2;
      for (let i = 0; i < total; i++) await fx.bus.publish(queue, Buffer.from(String(i)), { replyTo: 'r' });
      await greedy.waitForCount(fx.prefetch);
      // The rest can only go to a second consumer if the first is held at its prefetch.
      const other = new Collector();
      const second = await fx.bus.consume(queue, other);
      await other.waitForCount(2);
      expect(greedy.deliveries).toHaveLength(fx.prefetch);
      expect(other.bodies()).toEqual([String(fx.prefetch), String(fx.prefetch + 1)]);
      // Acking one frees a slot again: with the other consumer gone, only the greedy one can take it.
      await second.cancel();
      greedy.deliveries[0]!.ack();
      await fx.bus.publish(queue, Buffer.from('next'), { replyTo: 'r' });
      await greedy.waitForCount(fx.prefetch + 1);
      expect(greedy.bodies()[fx.prefetch]).toBe('next');
    });

    it('tells the consumer when its queue is deleted, but not a consumer that cancelled itself', async () => {
      const queue = fx.queueName('deleted');
      const stays = new Collector();
      const leaves = new Collector();
      await fx.bus.consume(queue, stays);
      const leaving = await fx.bus.consume(queue, leaves);
      await leaving.cancel();
      await fx.deleteQueue(queue);
      await stays.waitForCancel();
      expect(stays.cancelled).toBe(1);
      // Deleted, not merely unavailable: the client ends (eol) instead of coming back.
      expect(stays.ends).toEqual(['deleted']);
      expect(leaves.cancelled).toBe(0);
    });

    /** Whether `queue` still exists, seen as a publisher would: a publish to a missing queue is unroutable. */
    async function exists(queue: string): Promise<boolean> {
      const error = await fx.bus.publish(queue, Buffer.from('probe'), { replyTo: 'r' }).then(
        () => undefined,
        (e: unknown) => e,
      );
      if (error === undefined) return true;
      expect((error as PublishError).reason).toBe('unroutable');
      return false;
    }

    it('keeps the queue of a consumer cancelled without discardQueue', async () => {
      const queue = fx.queueName('kept-plain');
      const consumer = await fx.bus.consume(queue, new Collector());
      await consumer.cancel();
      expect(await exists(queue)).toBe(true);
    });

    it('discards an empty, unused queue when cancelled with discardQueue, or keeps it where it cannot', async () => {
      const queue = fx.queueName('discard');
      const collector = new Collector();
      const consumer = await fx.bus.consume(queue, collector);
      await fx.bus.publish(queue, Buffer.from('acked'), { replyTo: 'r' });
      const [delivery] = await collector.waitForCount(1);
      delivery!.ack();
      await consumer.cancel({ discardQueue: true });
      await consumer.cancel({ discardQueue: true }); // idempotent
      expect(await exists(queue)).toBe(!fx.discardsQueues);
      // Whatever it did, the bus is still up and serves other queues.
      expect(fx.bus.isConnected()).toBe(true);
      const other = fx.queueName('after-discard');
      const next = new Collector();
      await fx.bus.consume(other, next);
      await fx.bus.publish(other, Buffer.from('still works'), { replyTo: 'r' });
      await next.waitForCount(1);
      expect(collector.cancelled).toBe(0);
    });

    it('never discards a queue whose delivery is still unsettled: requeued after the cancel, it is there for the next consumer', async () => {
      const queue = fx.queueName('discard-held');
      const first = new Collector();
      const consumer = await fx.bus.consume(queue, first);
      await fx.bus.publish(queue, Buffer.from('held'), { replyTo: 'r' });
      const [held] = await first.waitForCount(1);
      await consumer.cancel({ discardQueue: true });
      held!.nack(true);
      const second = new Collector();
      await fx.bus.consume(queue, second);
      await second.waitForCount(1);
      expect(second.bodies()).toEqual(['held']);
    });

    it('never discards a queue that another consumer still uses', async () => {
      const queue = fx.queueName('discard-shared');
      const stays = new Collector();
      await fx.bus.consume(queue, stays);
      const leaving = await fx.bus.consume(queue, new Collector());
      await leaving.cancel({ discardQueue: true });
      await fx.bus.publish(queue, Buffer.from('for the one left'), { replyTo: 'r' });
      await stays.waitForCount(1);
      expect(stays.bodies()).toEqual(['for the one left']);
      expect(stays.cancelled).toBe(0);
    });

    it('never discards a queue a delivery of the consumer went back to, even once it was taken again and acked', async () => {
      const queue = fx.queueName('discard-requeued');
      const collector = new Collector();
      const consumer = await fx.bus.consume(queue, collector);
      await fx.bus.publish(queue, Buffer.from('twice'), { replyTo: 'r' });
      const [first] = await collector.waitForCount(1);
      first!.nack(true);
      const [, again] = await collector.waitForCount(2);
      expect(again!.body.toString()).toBe('twice');
      again!.ack();
      await consumer.cancel({ discardQueue: true });
      expect(await exists(queue)).toBe(true);
    });

    it('rejects publishes with "closed" after close()', async () => {
      const queue = fx.queueName('closed');
      await fx.bus.consume(queue, new Collector());
      await fx.bus.close();
      expect(fx.bus.isConnected()).toBe(false);
      const error = await fx.bus.publish(queue, json({}), { replyTo: 'r' }).catch((e: unknown) => e);
      expect(error).toBeInstanceOf(PublishError);
      expect((error as PublishError).reason).toBe('closed');
      await expect(fx.bus.consume(queue, new Collector())).rejects.toThrow(/closed/);
    });
  });
}
