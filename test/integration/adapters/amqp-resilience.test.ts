import { randomUUID } from 'node:crypto';
import amqp from 'amqplib';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { AmqpMessageBus } from '../../../src/adapters/amqp/amqp-message-bus.js';
import { PublishError, type Delivery } from '../../../src/application/ports.js';
import { recordingLogger } from '../../contract/recording-logger.js';
import { closeRabbitConnections, RABBITMQ_URL, requireRabbitMq } from '../../support/services.js';

const run = randomUUID().slice(0, 8);
const connectionName = `gateway-resilience-${run}`;
const queue = `test.${run}.resilience`;

beforeAll(async () => {
  await requireRabbitMq();
});

afterAll(async () => {
  const admin = await amqp.connect(RABBITMQ_URL, { noDelay: true });
  const channel = await admin.createChannel();
  await channel.deleteQueue(queue);
  await admin.close();
});

function until(done: () => boolean, what: string): Promise<void> {
  return new Promise((resolve, reject) => {
    const deadline = setTimeout(() => reject(new Error(`gave up waiting for ${what}`)), 15_000);
    const poll = (): void => {
      if (done()) {
        clearTimeout(deadline);
        resolve();
      } else setTimeout(poll, 2);
    };
    poll();
  });
}

describe('AmqpMessageBus under a broker-side connection close', () => {
  it('reconnects, resumes consumers, redelivers unacked messages and rejects publishes meanwhile', async () => {
    const logger = recordingLogger();
    const bus = new AmqpMessageBus(
      { urls: [RABBITMQ_URL], durable: false, prefetch: 10, reconnect: { initialMs: 20, maxMs: 500 }, connectionName },
      logger,
    );
    await bus.start();
    const before = bus.status();
    expect(before).toMatchObject({ connected: true, node: new URL(RABBITMQ_URL).host, failovers: 0, blocked: false });
    expect(before.lastFailoverAt).toBeUndefined();
    expect(before.url).not.toMatch(/guest@/);
    const received: string[] = [];
    const held: Delivery[] = [];
    let cancelled = 0;
    await bus.consume(queue, {
      onDelivery: (delivery) => {
        const body = delivery.body.toString();
        received.push(body);
        // 'held' is never acked by its first handle, so it must come back after the loss.
        if (body === 'held') held.push(delivery);
        else delivery.ack();
      },
      onCancelled: () => cancelled++,
    });
    await bus.publish(queue, Buffer.from('held'), { replyTo: 'r' });
    await until(() => held.length === 1, 'the held delivery');

    // A steady stream of publishes, one at a time, recording each outcome.
    const confirmed: string[] = [];
    const confirmedAt: number[] = [];
    const failures: PublishError[] = [];
    const failedAt: number[] = [];
    let streaming = true;
    let n = 0;
    const stream = (async () => {
      while (streaming) {
        const body = `m${++n}`;
        try {
          await bus.publish(queue, Buffer.from(body), { replyTo: 'r' });
          confirmed.push(body);
          confirmedAt.push(performance.now());
        } catch (err) {
          failures.push(err as PublishError);
          failedAt.push(performance.now());
          await new Promise((resolve) => setTimeout(resolve, 1));
        }
      }
    })();
    await until(() => confirmed.length >= 20, 'publishes before the outage');

    const closedCount = await closeRabbitConnections(connectionName);
    expect(closedCount).toBe(1);
    // The outage may be over before rabbitmqctl returns, so it is read off the publish outcomes.
    await until(() => failures.length > 0, 'a publish rejected during the outage');
    await until(() => bus.isConnected(), 'reconnection');
    const lostAt = failedAt[0]!;
    // Resumed consumption: a message published after reconnecting arrives.
    await until(() => confirmed.length > 0 && received.includes(confirmed[confirmed.length - 1]!), 'resumed flow');
    const confirmedAfter = confirmed.length;
    await until(() => confirmed.length >= confirmedAfter + 20, 'publishes after the outage');
    streaming = false;
    await stream;
    const reconnectedAt = confirmedAt.find((t) => t > lostAt)!;

    // The stale handle must not touch the new channel (that would kill it).
    held[0]!.ack();
    await until(() => held.length === 2, 'redelivery of the held message');
    held[1]!.ack();
    await bus.publish(queue, Buffer.from('last'), { replyTo: 'r' });
    await until(() => received.includes('last'), 'delivery after the stale ack');

    expect(bus.isConnected()).toBe(true);
    const after = bus.status();
    expect(after).toMatchObject({ connected: true, failovers: 1 });
    expect(after.lastFailoverAt).toBeGreaterThanOrEqual(before.connectedSince!);
    expect(after.connectedSince).toBe(after.lastFailoverAt);
    expect(cancelled).toBe(0);
    expect(logger.records.filter((r) => r.msg === 'amqp connected')).toHaveLength(2);
    expect(failures.every((f) => f instanceof PublishError && f.reason === 'not-connected')).toBe(true);
    // Nothing the broker confirmed is lost.
    const missing = confirmed.filter((body) => !received.includes(body));
    expect(missing).toEqual([]);
    console.info(
      `[amqp-resilience] first confirmed publish ${Math.round(reconnectedAt - lostAt)} ms after the first ` +
        `not-connected rejection; ${failures.length} publishes rejected not-connected; ${confirmed.length} confirmed`,
    );
    await bus.close();
  });
});
