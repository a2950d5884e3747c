import { describe, expect, it } from 'vitest';
import { InMemoryMessageBus } from '../../../src/adapters/memory/in-memory-message-bus.js';
import { InMemorySessionStore } from '../../../src/adapters/memory/in-memory-session-store.js';
import { MemorySocketChannel } from '../../../src/adapters/memory/memory-socket-channel.js';
import { ManualClock } from '../../../src/adapters/clock/manual-clock.js';
import { createGateway } from '../../../src/library/create-gateway.js';
import type { GatewaySettings } from '../../../src/application/gateway-settings.js';

const ports = () => ({ bus: new InMemoryMessageBus(), store: new InMemorySessionStore() });

describe('createGateway', () => {
  it('refuses a secret shorter than 32 characters, or none, naming the option (PROTOCOL §4)', () => {
    expect(() => createGateway({ ...ports(), options: { secret: 'x'.repeat(31) } })).toThrow(/options\.secret .* at least 32 characters/);
    expect(() => createGateway({ ...ports(), options: {} as GatewaySettings })).toThrow(RangeError);
    expect(() => createGateway({ ...ports(), options: undefined as unknown as GatewaySettings })).toThrow(RangeError);
  });

  it('builds a core on the ports it is given, with their clock', async () => {
    const { bus, store } = ports();
    const clock = new ManualClock();
    const gateway = createGateway({ bus, store, clock, options: { secret: 'x'.repeat(32), instance: 'unit', resendIntervalMs: 1000 } });
    expect(gateway.instance).toBe('unit');
    const socket = new MemorySocketChannel();
    gateway.accept(socket);
    socket.clientSends('message', { connect: {} });
    await socket.next('gatewayConnectAck');
    expect(bus.consumerCount()).toBe(1);
    expect(await store.countClients()).toBe(1);
    expect(await gateway.close(1000)).toBe(true);
    expect(socket.closedBy).toEqual({ reason: 'server-shutdown', resumable: true });
    expect(bus.consumerCount()).toBe(0);
    expect(clock.liveTimers()).toBe(0);
    // The ports are the caller's: still open.
    expect(bus.isConnected() && store.isConnected()).toBe(true);
  });
});
