import { describe, expect, it } from 'vitest';
import { Gateway } from '../../../src/application/gateway.js';
import type { ConsumerHandlers, MessageBus } from '../../../src/application/ports.js';
import { ManualClock } from '../../../src/adapters/clock/manual-clock.js';
import { InMemoryMessageBus } from '../../../src/adapters/memory/in-memory-message-bus.js';
import { InMemorySessionStore } from '../../../src/adapters/memory/in-memory-session-store.js';
import { MemorySocketChannel } from '../../../src/adapters/memory/memory-socket-channel.js';
import { CountingMetrics, MemoryLogger } from '../../support/fakes.js';

/**
 * The runner executes the Client's effects against the ports and owns the
 * client's timer and consumer. Tested here with the shipped test doubles:
 * a MemorySocketChannel plays the client, a ManualClock holds time.
 */
const SECRET = 'runner-test-secret-0123456789abcdef';

function setup(opts: { bus?: MessageBus; resendIntervalMs?: number; maxResends?: number } = {}) {
  const clock = new ManualClock();
  const bus = opts.bus ?? new InMemoryMessageBus();
  const store = new InMemorySessionStore();
  const logger = new MemoryLogger();
  const gateway = new Gateway(bus, store, clock, logger, new CountingMetrics(), {
    secret: SECRET,
    resendIntervalMs: opts.resendIntervalMs ?? 1000,
    maxResends: opts.maxResends ?? 3,
  });
  return { clock, bus, store, logger, gateway };
}

const flush = (): Promise<void> => new Promise((r) => setImmediate(r));

async function started(env: ReturnType<typeof setup>): Promise<{ channel: MemorySocketChannel; clientId: string }> {
  const channel = new MemorySocketChannel();
  env.gateway.accept(channel);
  channel.clientSends('message', { connect: {} });
  const key = (await channel.next('gatewayConnectAck')).data as string;
  return { channel, clientId: JSON.parse(Buffer.from(key.split(';')[0]!, 'base64').toString()).clientId };
}

describe('ClientRunner with the in-memory channel and a manual clock', () => {
  it('runs the resend timer on the clock it was given, and releases it and the consumer with the client', async () => {
    const env = setup({ resendIntervalMs: 1000, maxResends: 0 });
    const bus = env.bus as InMemoryMessageBus;
    const { channel, clientId } = await started(env);
    await bus.publish(clientId, Buffer.from(JSON.stringify({ cn: 'x.Note', correspondingMessageId: 'n1' })), { replyTo: 't' });
    await channel.next('push');
    expect(env.clock.liveTimers()).toBe(1);
    env.clock.advance(999);
    expect(channel.sent.filter((e) => e.event === 'push')).toHaveLength(1);
    env.clock.advance(1);
    expect(channel.sent.filter((e) => e.event === 'push')).toHaveLength(2);
    env.clock.advance(1000);
    expect(channel.sent.filter((e) => e.event === 'push')).toHaveLength(3);
    expect(bus.consumerCount(clientId)).toBe(1);

    channel.clientCloses();
    await flush();
    expect(env.gateway.clientCount).toBe(0);
    expect(env.clock.liveTimers()).toBe(0);
    expect(bus.consumerCount(clientId)).toBe(0);
    expect(bus.queueDepth(clientId)).toBe(1);
  });

  it('an acked push leaves its timer to run out (no timer per push); the tick then does nothing', async () => {
    const env = setup({ resendIntervalMs: 1000 });
    const bus = env.bus as InMemoryMessageBus;
    const { channel, clientId } = await started(env);
    for (let i = 0; i < 5; i++) {
      await bus.publish(clientId, Buffer.from(JSON.stringify({ cn: 'x.Note', correspondingMessageId: `m${i}` })), { replyTo: 't' });
      await channel.next('push', (m) => m.correspondingMessageId === `m${i}`);
      channel.clientSends('message', { ack: { correspondingMessageId: `m${i}` } });
    }
    expect(env.clock.liveTimers()).toBe(1);
    env.clock.advance(1000);
    expect(env.clock.liveTimers()).toBe(0);
    expect(channel.sent.filter((e) => e.event === 'push')).toHaveLength(5);
    expect(bus.unackedCount(clientId)).toBe(0);
  });

  it('a reply queue that cannot be consumed: AGENT_UNAVAILABLE, then a resumable close (broker-unavailable)', async () => {
    const failing: MessageBus = Object.assign(new InMemoryMessageBus(), {
      consume: (_queue: string, _handlers: ConsumerHandlers) => Promise.reject(new Error('channel closed')),
    });
    const env = setup({ bus: failing });
    const channel = new MemorySocketChannel({ transport: 'test' });
    env.gateway.accept(channel);
    channel.clientSends('message', { connect: {} });
    await channel.next('gatewayDisconnect');
    expect(channel.sent.map((e) => e.event)).toEqual(['gatewayError', 'gatewayDisconnect']);
    expect(channel.sent[0]!.data).toMatchObject({ code: 'AGENT_UNAVAILABLE' });
    expect(channel.sent[1]!.data).toEqual({ reason: 'broker-unavailable', resumable: true });
    expect(channel.closedBy).toEqual({ reason: 'broker-unavailable', resumable: true });
    await flush();
    expect(env.gateway.clientCount).toBe(0);
  });

  it('a revocation check that fails asks the client to come back with its key (store-unavailable)', async () => {
    const env = setup();
    const bus = env.bus as InMemoryMessageBus;
    const { channel, clientId } = await started(env);
    await bus.publish(clientId, Buffer.from(JSON.stringify({ cn: 'com.percero.agents.auth.vo.UserToken', user: { ID: 'u1' }, token: 't' })), { replyTo: 't' });
    const key = (await channel.next('gatewayConnectAck')).data as string;
    env.store.isRevoked = () => Promise.reject(new Error('redis down'));
    const next = new MemorySocketChannel();
    env.gateway.accept(next);
    next.clientSends('message', { reconnect: { reconnectId: key } });
    await next.next('gatewayDisconnect');
    expect(next.closedBy).toEqual({ reason: 'store-unavailable', resumable: true });
    expect(next.sent.filter((e) => e.event === 'gatewayConnectAck')).toEqual([]);
  });

  it('a transport that reports its close from inside close() still gets every effect in order', async () => {
    const env = setup();
    const { channel } = await started(env);
    // MemorySocketChannel calls onClose synchronously from close(), as Socket.IO does.
    env.gateway.disconnectAll('server-shutdown');
    expect(channel.sent.at(-1)).toEqual({ event: 'gatewayDisconnect', data: { reason: 'server-shutdown', resumable: true } });
    expect(channel.closed).toBe(true);
    await flush();
    expect(env.gateway.clientCount).toBe(0);
    expect(env.logger.lines.filter((l) => l.level === 'error')).toEqual([]);
  });

  it('close() of the gateway ends every client and resolves once they are gone; new sockets are refused as resumable', async () => {
    const env = setup();
    const sockets = await Promise.all([started(env), started(env), started(env)]);
    const closing = env.gateway.close(1000);
    await flush();
    expect(await closing).toBe(true);
    for (const { channel } of sockets) expect(channel.closedBy).toEqual({ reason: 'server-shutdown', resumable: true });
    const late = new MemorySocketChannel();
    env.gateway.accept(late);
    expect(late.closedBy).toEqual({ reason: 'server-shutdown', resumable: true });
  });
});
