import { randomUUID } from 'node:crypto';
import { Redis } from 'ioredis';
import { describe, expect, it } from 'vitest';
import { AmqpMessageBus } from '../../../src/adapters/amqp/amqp-message-bus.js';
import { createRedisClient } from '../../../src/adapters/redis/redis-client.js';
import { trackRedisHealth } from '../../../src/adapters/redis/redis-health.js';
import { recordingLogger } from '../../contract/recording-logger.js';
import { closeRabbitConnections, RABBITMQ_URL, REDIS_HOST, REDIS_PORT, requireRabbitMq, requireRedis } from '../../support/services.js';
import { until } from '../../support/test-socket.js';

/**
 * What the admin page shows of RabbitMQ and Redis: each connection's state
 * and when it last changed, followed from the clients' own events. The
 * connections are cut from the server side (this test's own connections
 * only); RabbitMQ's "blocked" needs a memory or disk alarm on the shared
 * broker, which is not raised here.
 */
describe('connection health', () => {
  it('Redis: connected, reconnecting when the server drops the connection, connected again with a later time, closed', async () => {
    await requireRedis();
    const name = `asgw-health-${randomUUID().slice(0, 8)}`;
    const client = createRedisClient({ host: REDIS_HOST, port: REDIS_PORT, connectionName: name }, recordingLogger());
    const health = trackRedisHealth('Redis (sessions)', client);
    await until(() => health.get().state === 'connected', 'connected', 10_000);
    const connectedAt = health.get().since;

    const killer = new Redis({ host: REDIS_HOST, port: REDIS_PORT });
    try {
      const seen: string[] = [];
      const watch = setInterval(() => { if (seen.at(-1) !== health.get().state) seen.push(health.get().state); }, 1);
      // Only this test's connection, by its id: other users of the shared Redis are left alone.
      const id = (await client.client('ID')) as number;
      expect(await killer.client('KILL', 'ID', String(id))).toBe(1);
      await until(() => seen.includes('reconnecting'), 'reconnecting', 10_000);
      await until(() => health.get().state === 'connected', 'connected again', 10_000);
      clearInterval(watch);
      expect(health.get().since).toBeGreaterThanOrEqual(connectedAt);
      expect(await client.ping()).toBe('PONG');
    } finally {
      killer.disconnect();
    }
    client.disconnect();
    await until(() => health.get().state === 'closed', 'closed', 10_000);
    expect(health.get()).toMatchObject({ name: 'Redis (sessions)', state: 'closed' });
  }, 30_000);

  it('RabbitMQ: connecting, connected, reconnecting after a broker-side close with the cause, connected, closed', async () => {
    await requireRabbitMq();
    const connectionName = `asgw-health-${randomUUID().slice(0, 8)}`;
    const bus = new AmqpMessageBus({ urls: [RABBITMQ_URL], connectionName, durable: false, prefetch: 10, reconnect: { initialMs: 50, maxMs: 200 } }, recordingLogger());
    expect(bus.health()).toMatchObject({ name: 'RabbitMQ', state: 'connecting' });
    await bus.start();
    expect(bus.health().state).toBe('connected');
    const connectedAt = bus.health().since;

    const seen: string[] = [];
    let detail: string | undefined;
    const watch = setInterval(() => {
      const h = bus.health();
      if (seen.at(-1) !== h.state) seen.push(h.state);
      if (h.state === 'reconnecting') detail ??= h.detail;
    }, 1);
    expect(await closeRabbitConnections(connectionName, 'health test')).toBe(1);
    await until(() => seen.includes('reconnecting'), 'reconnecting', 15_000);
    await until(() => bus.health().state === 'connected', 'connected again', 15_000);
    clearInterval(watch);
    expect(detail).toContain('health test');
    expect(bus.health().since).toBeGreaterThan(connectedAt);
    await bus.close();
    expect(bus.health().state).toBe('closed');
  }, 40_000);
});
