import { describe, expect, it } from 'vitest';
import { InMemoryMessageBus } from '../../src/adapters/memory/in-memory-message-bus.js';
import { Collector, CONTRACT_PREFETCH, messageBusContract } from './message-bus.contract.js';

let counter = 0;

messageBusContract('InMemoryMessageBus', async () => {
  const bus = new InMemoryMessageBus({ prefetch: CONTRACT_PREFETCH });
  return {
    bus,
    prefetch: CONTRACT_PREFETCH,
    discardsQueues: true,
    requeueTo: 'head',
    queueName: (label) => `${label}-${++counter}`,
    deleteQueue: async (name) => {
      bus.deleteQueue(name);
    },
    dispose: () => bus.close(),
  };
});

describe('InMemoryMessageBus helpers', () => {
  it('reports depth, unacked and consumer counts as deliveries move', async () => {
    const bus = new InMemoryMessageBus();
    bus.declareQueue('q');
    await bus.publish('q', Buffer.from('1'), { replyTo: 'r' });
    await bus.publish('q', Buffer.from('2'), { replyTo: 'r' });
    expect(bus.queueDepth('q')).toBe(2);
    expect(bus.consumerCount()).toBe(0);
    const collector = new Collector();
    const consumer = await bus.consume('q', collector);
    await collector.waitForCount(2);
    expect(bus.queueDepth('q')).toBe(0);
    expect(bus.unackedCount('q')).toBe(2);
    expect(bus.consumerCount()).toBe(1);
    await consumer.cancel();
    expect(bus.consumerCount()).toBe(0);
    expect(bus.unackedCount('q')).toBe(2);
    collector.deliveries[0]!.ack();
    collector.deliveries[1]!.nack(true);
    expect(bus.unackedCount('q')).toBe(0);
    expect(bus.queueDepth('q')).toBe(1);
  });

  it('moves ready messages from one queue to the tail of another', async () => {
    const bus = new InMemoryMessageBus();
    bus.declareQueue('old');
    await bus.publish('old', Buffer.from('a'), { replyTo: 'r' });
    await bus.publish('old', Buffer.from('b'), { replyTo: 'r' });
    const collector = new Collector();
    await bus.consume('new', collector);
    await bus.publish('new', Buffer.from('first'), { replyTo: 'r' });
    expect(bus.moveQueue('old', 'new')).toBe(2);
    await collector.waitForCount(3);
    expect(collector.bodies()).toEqual(['first', 'a', 'b']);
    expect(bus.queueDepth('old')).toBe(0);
  });

  it('lets an in-process agent answer on the replyTo it was given', async () => {
    const bus = new InMemoryMessageBus();
    await bus.consume('findById', {
      onDelivery: (d) => {
        void bus.publish(d.replyTo!, Buffer.from(`reply:${d.body.toString()}`), { replyTo: 'findById' });
        d.ack();
      },
      onCancelled: () => undefined,
    });
    const client = new Collector();
    await bus.consume('client-7', client);
    await bus.publish('findById', Buffer.from('42'), { replyTo: 'client-7' });
    const [reply] = await client.waitForCount(1);
    expect(reply!.body.toString()).toBe('reply:42');
  });

  it('makes handles of a deleted queue no-ops and tells its consumers', async () => {
    const bus = new InMemoryMessageBus();
    const collector = new Collector();
    await bus.consume('gone', collector);
    await bus.publish('gone', Buffer.from('x'), { replyTo: 'r' });
    await collector.waitForCount(1);
    expect(bus.deleteQueue('gone')).toBe(true);
    expect(collector.cancelled).toBe(1);
    collector.deliveries[0]!.nack(true);
    expect(bus.hasQueue('gone')).toBe(false);
    expect(bus.queueDepth('gone')).toBe(0);
    expect(bus.deleteQueue('gone')).toBe(false);
  });

  it('refuses a bad prefetch and a bad queue name with a clear error', async () => {
    expect(() => new InMemoryMessageBus({ prefetch: 0 })).toThrow(/prefetch/);
    const bus = new InMemoryMessageBus();
    await expect(bus.consume('', new Collector())).rejects.toThrow(/queue name/);
  });
});
