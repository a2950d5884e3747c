import { randomUUID } from 'node:crypto';
import amqp, { type ChannelModel } from 'amqplib';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { AmqpMessageBus } from '../../../src/adapters/amqp/amqp-message-bus.js';
import type { AmqpMessageBusOptions } from '../../../src/adapters/amqp/amqp-options.js';
import { PublishError } from '../../../src/application/ports.js';
import { recordingLogger } from '../../contract/recording-logger.js';
import { RABBITMQ_URL, requireRabbitMq } from '../../support/services.js';

// Publish limits on the shared broker: the in-flight bound and amqplib's
// write-buffer backpressure. (Confirm timeout and the broker's
// connection.blocked need a broker of our own: amqp-broker-node.test.ts.)
const run = randomUUID().slice(0, 8);
let admin: ChannelModel;
const queues: string[] = [];

beforeAll(async () => {
  await requireRabbitMq();
  admin = await amqp.connect(RABBITMQ_URL, { noDelay: true });
});

afterAll(async () => {
  const ch = await admin.createChannel();
  for (const q of queues) await ch.deleteQueue(q);
  await admin.close();
});

async function sink(label: string): Promise<string> {
  const name = `test.${run}.${label}`;
  queues.push(name);
  const ch = await admin.createChannel();
  await ch.assertQueue(name, { durable: false });
  await ch.close();
  return name;
}

function bus(overrides: Partial<AmqpMessageBusOptions>): AmqpMessageBus {
  return new AmqpMessageBus(
    { urls: [RABBITMQ_URL], durable: false, prefetch: 10, reconnect: { initialMs: 50, maxMs: 500 }, connectionName: `limits-${run}`, ...overrides },
    recordingLogger(),
  );
}

describe('AmqpMessageBus publish limits', () => {
  it('keeps at most maxInFlight publishes awaiting a confirm; the rest wait their turn and all are confirmed in order', async () => {
    const queue = await sink('inflight');
    const b = bus({ maxInFlight: 3 });
    await b.start();
    try {
      const publishes = Array.from({ length: 40 }, (_, i) => b.publish(queue, Buffer.from(String(i)), { replyTo: 'r' }));
      // Taken synchronously by the calls above: 3 slots, 37 in line.
      expect(b.status()).toMatchObject({ inFlight: 3, waiting: 37 });
      let peak = 0;
      const sampler = setInterval(() => (peak = Math.max(peak, b.status().inFlight)), 0);
      await Promise.all(publishes);
      clearInterval(sampler);
      expect(peak).toBeLessThanOrEqual(3);
      expect(b.status()).toMatchObject({ inFlight: 0, waiting: 0 });
      const ch = await admin.createChannel();
      const got: string[] = [];
      for (let m = await ch.get(queue, { noAck: true }); m; m = await ch.get(queue, { noAck: true })) got.push(m.content.toString());
      await ch.close();
      expect(got).toEqual(Array.from({ length: 40 }, (_, i) => String(i)));
    } finally {
      await b.close();
    }
  });

  it('waits for the drain when amqplib reports its write buffer full, instead of piling more on it', async () => {
    const queue = await sink('drain');
    const b = bus({ maxInFlight: 100_000 });
    await b.start();
    try {
      const body = Buffer.alloc(256, 'x');
      const publishes = Array.from({ length: 3000 }, () => b.publish(queue, body, { replyTo: 'r' }));
      // amqplib's channel buffer takes 1,024 frames before publish() returns false.
      const { inFlight, waiting } = b.status();
      expect(inFlight).toBeLessThan(3000);
      expect(inFlight).toBeGreaterThan(0);
      expect(waiting).toBe(3000 - inFlight);
      await Promise.all(publishes);
      const ch = await admin.createChannel();
      expect((await ch.checkQueue(queue)).messageCount).toBe(3000);
      await ch.close();
    } finally {
      await b.close();
    }
  });

  it('fails the publishes waiting in line with not-connected when the connection goes, and serves again after it returns', async () => {
    const queue = await sink('line-lost');
    const b = bus({ maxInFlight: 1 });
    await b.start();
    try {
      const publishes = Array.from({ length: 20 }, (_, i) => b.publish(queue, Buffer.from(String(i)), { replyTo: 'r' }).catch((e: unknown) => e));
      // Close our own connection from the client side, as a dropped socket would.
      const manager = (b as unknown as { manager: { live?: { connection: ChannelModel } } }).manager;
      await manager.live!.connection.close();
      const outcomes = await Promise.all(publishes);
      const failed = outcomes.filter((o) => o instanceof PublishError);
      expect(failed.length).toBeGreaterThan(0);
      expect(failed.every((f) => (f as PublishError).reason === 'not-connected')).toBe(true);
      const deadline = Date.now() + 10_000;
      while (!b.isConnected() && Date.now() < deadline) await new Promise((r) => setTimeout(r, 20));
      await b.publish(queue, Buffer.from('after'), { replyTo: 'r' });
      expect(b.status()).toMatchObject({ inFlight: 0, waiting: 0, failovers: 1 });
    } finally {
      await b.close();
    }
  });
});
