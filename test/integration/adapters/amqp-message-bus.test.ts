import { randomUUID } from 'node:crypto';
import amqp, { type ChannelModel } from 'amqplib';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { AmqpMessageBus } from '../../../src/adapters/amqp/amqp-message-bus.js';
import { QueueDeclareRefused } from '../../../src/adapters/amqp/amqp-declarer.js';
import { amqpUrl, type AmqpMessageBusOptions } from '../../../src/adapters/amqp/amqp-options.js';
import { PublishError } from '../../../src/application/ports.js';
import { Collector, CONTRACT_PREFETCH, messageBusContract } from '../../contract/message-bus.contract.js';
import { recordingLogger } from '../../contract/recording-logger.js';
import { RABBITMQ_URL, requireRabbitMq } from '../../support/services.js';

const run = randomUUID().slice(0, 8);
let admin: ChannelModel;

beforeAll(async () => {
  await requireRabbitMq();
  admin = await amqp.connect(RABBITMQ_URL, { noDelay: true });
});

afterAll(async () => {
  await admin?.close();
});

/** Deletes on a throwaway channel: a failed delete closes the channel it ran on. */
async function deleteQueue(name: string): Promise<void> {
  const channel = await admin.createChannel();
  try {
    await channel.deleteQueue(name);
  } finally {
    await channel.close().catch(() => undefined);
  }
}

function options(overrides: Partial<AmqpMessageBusOptions> = {}): AmqpMessageBusOptions {
  return {
    urls: [RABBITMQ_URL],
    durable: false,
    prefetch: CONTRACT_PREFETCH,
    reconnect: { initialMs: 50, maxMs: 1_000 },
    connectionName: `gateway-test-${run}`,
    ...overrides,
  };
}

let counter = 0;

for (const replyQueueType of ['classic', 'quorum'] as const) {
  messageBusContract(`AmqpMessageBus (RabbitMQ, ${replyQueueType} reply queues)`, async () => {
    const bus = new AmqpMessageBus(options({ replyQueueType }), recordingLogger());
    await bus.start();
    const queues: string[] = [];
    return {
      bus,
      prefetch: CONTRACT_PREFETCH,
      // RabbitMQ cannot delete a quorum queue only if empty and unused.
      discardsQueues: replyQueueType === 'classic',
      requeueTo: replyQueueType === 'classic' ? 'head' : 'tail',
      queueName: (label) => {
        const name = `test.${run}.${replyQueueType}.${label}.${++counter}`;
        queues.push(name);
        return name;
      },
      deleteQueue,
      dispose: async () => {
        await bus.close();
        for (const queue of queues) await deleteQueue(queue);
      },
    };
  });
}

describe('AmqpMessageBus specifics', () => {
  it('rejects options that cannot work, naming the field', () => {
    const logger = recordingLogger();
    expect(() => new AmqpMessageBus(options({ urls: [] }), logger)).toThrow(/urls/);
    expect(() => new AmqpMessageBus(options({ prefetch: 0 }), logger)).toThrow(/prefetch/);
    expect(() => new AmqpMessageBus(options({ urls: ['http://x'] }), logger)).toThrow(/amqp:\/\//);
    expect(() => new AmqpMessageBus(options({ reconnect: { initialMs: 10, maxMs: 1 } }), logger)).toThrow(
      /reconnect/,
    );
  });

  it('builds a URL from host parts and fails over past a dead broker to a live one', async () => {
    expect(amqpUrl({ host: 'h', port: 1, login: 'u', password: 'p@ss', vhost: '/', heartbeat: 5 })).toBe(
      'amqp://u:p%40ss@h:1/%2F?heartbeat=5',
    );
    const logger = recordingLogger();
    const bus = new AmqpMessageBus(
      options({ urls: ['amqp://guest:guest@127.0.0.1:1', RABBITMQ_URL], reconnect: { initialMs: 10, maxMs: 50 } }),
      logger,
    );
    try {
      await bus.start();
      expect(bus.isConnected()).toBe(true);
      expect(logger.records.some((r) => r.level === 'warn' && r.msg === 'amqp connect failed')).toBe(true);
    } finally {
      await bus.close();
    }
  });

  it('rejects at once with not-connected before the first connection, and close() ends the retrying', async () => {
    const bus = new AmqpMessageBus(
      options({ urls: ['amqp://guest:guest@127.0.0.1:1'], reconnect: { initialMs: 10, maxMs: 50 } }),
      recordingLogger(),
    );
    const started = bus.start();
    expect(bus.isConnected()).toBe(false);
    const error = await bus.publish('q', Buffer.from('{}'), { replyTo: 'r' }).catch((e: unknown) => e);
    expect((error as PublishError).reason).toBe('not-connected');
    await expect(bus.consume('q', new Collector())).rejects.toThrow(/not connected/);
    await bus.close();
    await expect(started).rejects.toThrow(/stopped/);
  });

  it('publishes JSON, persistent when durable, and declares durable queues', async () => {
    const queue = `test.${run}.durable.${++counter}`;
    const bus = new AmqpMessageBus(options({ durable: true }), recordingLogger());
    await bus.start();
    try {
      const collector = new Collector();
      await bus.consume(queue, collector);
      await bus.publish(queue, Buffer.from('{"a":1}'), { replyTo: 'me' });
      await collector.waitForCount(1);
      collector.deliveries[0]!.ack();
      const channel = await admin.createChannel();
      // A passive declare with other durability would be refused; this one must match.
      const ok = await channel.assertQueue(queue, { durable: true, autoDelete: false, exclusive: false });
      expect(ok.queue).toBe(queue);
      await channel.close();
      // The raw message properties, seen by a plain amqplib consumer.
      const raw = await admin.createConfirmChannel();
      await bus.publish(queue, Buffer.from('{"b":2}'), { replyTo: 'me' });
      let message: amqp.GetMessage | false = false;
      await bus.close();
      while (!message) message = await raw.get(queue, { noAck: true });
      expect(message.properties.contentType).toBe('application/json');
      expect(message.properties.deliveryMode).toBe(2);
      expect(message.properties.replyTo).toBe('me');
      await raw.close();
    } finally {
      await bus.close();
      await deleteQueue(queue);
    }
  });

  it('reports a queue the broker refuses to declare as a consume error and stays usable', async () => {
    const queue = `test.${run}.mismatch.${++counter}`;
    const channel = await admin.createChannel();
    await channel.assertQueue(queue, { durable: true });
    await channel.close();
    const bus = new AmqpMessageBus(options({ durable: false }), recordingLogger());
    await bus.start();
    try {
      const error = await bus.consume(queue, new Collector()).catch((e: unknown) => e);
      expect(error).toBeInstanceOf(QueueDeclareRefused);
      expect(String(error)).toMatch(/reply queue ".*" exists with other arguments than this gateway declares, classic \(not durable/);
      expect(String(error)).toMatch(/inequivalent arg 'durable'/);
      expect((error as Error).cause).toBeDefined();
      const ok = `test.${run}.after-mismatch.${++counter}`;
      const collector = new Collector();
      await bus.consume(ok, collector);
      await bus.publish(ok, Buffer.from('1'), { replyTo: 'r' });
      await collector.waitForCount(1);
      expect(bus.isConnected()).toBe(true);
      await deleteQueue(ok);
    } finally {
      await bus.close();
      await deleteQueue(queue);
    }
  });

  it('declares quorum reply queues durable with x-queue-type=quorum, as a backend can declare them too', async () => {
    const queue = `test.${run}.quorum-args.${++counter}`;
    const bus = new AmqpMessageBus(options({ replyQueueType: 'quorum' }), recordingLogger());
    await bus.start();
    try {
      await bus.consume(queue, new Collector());
      const channel = await admin.createChannel();
      // The same arguments are accepted (a refused declare would close this channel and throw).
      const ok = await channel.assertQueue(queue, { durable: true, arguments: { 'x-queue-type': 'quorum' } });
      expect(ok.consumerCount).toBe(1);
      await channel.close();
      // A classic declare of it is refused by the broker: the type is really quorum.
      const classic = await admin.createChannel();
      classic.on('error', () => undefined);
      await expect(classic.assertQueue(queue, { durable: true })).rejects.toThrow(/inequivalent arg 'x-queue-type'/);
    } finally {
      await bus.close();
      await deleteQueue(queue);
    }
  });

  it('refuses only the conflicting queue: a quorum declare of a classic queue fails alone, concurrent declares of others succeed', async () => {
    const clash = `test.${run}.clash.${++counter}`;
    const setup = await admin.createChannel();
    await setup.assertQueue(clash, { durable: false });
    await setup.close();
    const logger = recordingLogger();
    const bus = new AmqpMessageBus(options({ replyQueueType: 'quorum', channels: 1 }), logger);
    await bus.start();
    const others = Array.from({ length: 12 }, (_, i) => `test.${run}.beside-clash.${++counter}.${i}`);
    try {
      // One declare line: the refused declare sits among the others on the same channel line.
      const results = await Promise.allSettled([
        ...others.slice(0, 6).map((q) => bus.consume(q, new Collector())),
        bus.consume(clash, new Collector()),
        ...others.slice(6).map((q) => bus.consume(q, new Collector())),
      ]);
      const refused = results[6]!;
      expect(refused.status).toBe('rejected');
      expect(String((refused as PromiseRejectedResult).reason)).toMatch(/exists with other arguments than this gateway declares, quorum/);
      expect(results.filter((r) => r.status === 'rejected')).toHaveLength(1);
      expect(bus.isConnected()).toBe(true);
      expect(bus.consumerCount()).toBe(others.length);
      // Logged once, clearly, at error level; the connection was never recycled.
      expect(logger.records.filter((r) => r.level === 'error' && /exists with other arguments/.test(String(r.msg)))).toHaveLength(1);
      expect(logger.records.some((r) => r.msg === 'amqp channel lost; recycling the connection')).toBe(false);
      const collector = new Collector();
      await bus.consume(`test.${run}.after-clash.${++counter}`, collector).then(() => others.push(`test.${run}.after-clash.${counter}`));
    } finally {
      await bus.close();
      for (const q of [clash, ...others]) await deleteQueue(q);
    }
  });

  it('with quorum reply queues, cancel({ discardQueue }) keeps the queue and the connection (RabbitMQ would close it for a conditional delete)', async () => {
    const queue = `test.${run}.quorum-discard.${++counter}`;
    const logger = recordingLogger();
    const bus = new AmqpMessageBus(options({ replyQueueType: 'quorum' }), logger);
    await bus.start();
    try {
      const consumer = await bus.consume(queue, new Collector());
      await consumer.cancel({ discardQueue: true });
      const channel = await admin.createChannel();
      const ok = await channel.checkQueue(queue);
      expect(ok.consumerCount).toBe(0);
      await channel.close();
      expect(logger.records.filter((r) => r.msg === 'amqp connected')).toHaveLength(1);
      expect(bus.isConnected()).toBe(true);
    } finally {
      await bus.close();
      await deleteQueue(queue);
    }
  });

  it('20 anonymous connect/disconnect cycles with discardQueue leave no reply queue behind', async () => {
    const bus = new AmqpMessageBus(options(), recordingLogger());
    await bus.start();
    const names = Array.from({ length: 20 }, (_, i) => `test.${run}.cycle.${++counter}.${i}`);
    try {
      for (const name of names) {
        const consumer = await bus.consume(name, new Collector());
        await consumer.cancel({ discardQueue: true });
      }
      const left: string[] = [];
      for (const name of names) {
        const channel = await admin.createChannel();
        channel.on('error', () => undefined);
        const found = await channel.checkQueue(name).then(() => true, () => false);
        if (found) left.push(name);
        await channel.close().catch(() => undefined);
      }
      expect(left).toEqual([]);
    } finally {
      await bus.close();
      for (const name of names) await deleteQueue(name);
    }
  });
});
