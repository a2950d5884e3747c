import { describe, expect, it } from 'vitest';
import { Gateway } from '../../../src/application/gateway.js';
import { ManualClock } from '../../../src/adapters/clock/manual-clock.js';
import { InMemoryMessageBus } from '../../../src/adapters/memory/in-memory-message-bus.js';
import { InMemorySessionStore } from '../../../src/adapters/memory/in-memory-session-store.js';
import { MemorySocketChannel } from '../../../src/adapters/memory/memory-socket-channel.js';
import { CountingMetrics, MemoryLogger } from '../../support/fakes.js';

/**
 * What the runner counts for the delivery-guarantee view of the admin page
 * and /metrics: deliveries held unsettled, requeues, publish failures and
 * why sockets closed.
 */
const flush = (): Promise<void> => new Promise((r) => setImmediate(r));

function setup() {
  const bus = new InMemoryMessageBus();
  const metrics = new CountingMetrics();
  const gateway = new Gateway(bus, new InMemorySessionStore(), new ManualClock(), new MemoryLogger(), metrics, {
    secret: 'runner-metrics-secret-0123456789abcdef',
    resendIntervalMs: 1000,
    maxResends: 0,
  });
  return { bus, metrics, gateway };
}

async function started(env: ReturnType<typeof setup>): Promise<{ channel: MemorySocketChannel; clientId: string }> {
  const channel = new MemorySocketChannel();
  env.gateway.accept(channel);
  channel.clientSends('message', { connect: {} });
  const key = (await channel.next('gatewayConnectAck')).data as string;
  return { channel, clientId: JSON.parse(Buffer.from(key.split(';')[0]!, 'base64').toString()).clientId };
}

const push = (id?: string): Buffer => Buffer.from(JSON.stringify({ cn: 'x.Note', ...(id ? { correspondingMessageId: id } : {}) }));

describe('ClientRunner metrics', () => {
  it('holds a push until the client acks it; a push without an id is settled at once', async () => {
    const env = setup();
    const { channel, clientId } = await started(env);
    await env.bus.publish(clientId, push('p1'), { replyTo: 't' });
    await env.bus.publish(clientId, push(), { replyTo: 't' });
    await channel.next('push');
    await channel.next('push');
    expect(env.metrics.held).toBe(1);
    channel.clientSends('message', { ack: { correspondingMessageId: 'p1' } });
    await flush();
    expect(env.metrics.held).toBe(0);
    expect(env.metrics.counts.get('requeue')).toBeUndefined();
  });

  it('counts what a closing client hands back as requeued, and the close by its reason', async () => {
    const env = setup();
    const a = await started(env);
    const b = await started(env);
    await env.bus.publish(a.clientId, push('p1'), { replyTo: 't' });
    await env.bus.publish(a.clientId, push('p2'), { replyTo: 't' });
    await a.channel.next('push');
    await a.channel.next('push');
    expect(env.metrics.held).toBe(2);
    a.channel.clientCloses();
    await flush();
    await flush();
    expect(env.metrics.held).toBe(0);
    expect(env.metrics.counts.get('requeue')).toBe(2);
    expect(env.metrics.counts.get('closed:client-gone')).toBe(1);

    b.channel.clientSends('logout', { messageId: 'bye' });
    await b.channel.next('gatewayDisconnect');
    await flush();
    expect(env.metrics.counts.get('closed:logout')).toBe(1);
  });

  it('counts a publish the broker could not route, by reason', async () => {
    const env = setup();
    const { channel } = await started(env);
    // No agent listens on testCall: the in-memory broker returns it, as RabbitMQ does with mandatory.
    channel.clientSends('testCall', { messageId: 't1' });
    await channel.next('gatewayError');
    expect(env.metrics.counts.get('publishFailed:unroutable')).toBe(1);
  });
});
