import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createRedisClient } from '../../../src/adapters/redis/redis-client.js';
import { RedisSessionStore } from '../../../src/adapters/redis/redis-session-store.js';
import { AmqpTestAgent, createVhost, deleteVhost, loginDemo, testVhostName } from '../../support/amqp-agent.js';
import { MemoryLogger } from '../../support/fakes.js';
import { realGatewayOverrides, spawnGateway, type GatewayProcess } from '../../support/gateway-process.js';
import { REDIS_HOST, REDIS_PORT, requireRabbitMq, requireRedis } from '../../support/services.js';
import { publicPart, TestSocket, until } from '../../support/test-socket.js';

// Two gateway processes, same Redis, same secret, one RabbitMQ vhost: a
// client whose instance is SIGKILLed resumes on the other and loses nothing.
const vhost = testVhostName('two');
// Re-sends would blur the duplicate count: only redeliveries should show.
const overrides = realGatewayOverrides(vhost, { 'frontend.clientMessageResendInterval': 60_000 });
const N = 20;
let agent: AmqpTestAgent;
let a: GatewayProcess;
let b: GatewayProcess;
const others: GatewayProcess[] = [];
const sockets: TestSocket[] = [];
let store: RedisSessionStore;

beforeAll(async () => {
  await requireRabbitMq();
  await requireRedis();
  await createVhost(vhost);
  agent = await AmqpTestAgent.start({ vhost });
  [a, b] = await Promise.all([spawnGateway(overrides), spawnGateway(overrides)]);
  store = new RedisSessionStore({
    client: createRedisClient({ host: REDIS_HOST, port: REDIS_PORT, maxAttempts: 1, offlineQueue: true }, new MemoryLogger()),
    keyPrefix: String(overrides['gateway.redis.keyPrefix']),
  });
}, 60_000);

afterAll(async () => {
  for (const s of sockets) s.close();
  await Promise.all([a?.stop(), b?.stop(), ...others.map((g) => g.stop())]);
  await store?.close();
  await agent?.stop();
  await deleteVhost(vhost);
}, 60_000);

async function socket(url: string): Promise<TestSocket> {
  const s = await TestSocket.open(url);
  sockets.push(s);
  return s;
}

const pushIds = (s: TestSocket): string[] =>
  s.received.filter((r) => r.event === 'push' && (r.data as any)?.cn === 'x.Kill').map((r) => (r.data as any).correspondingMessageId as string);

describe.sequential('two gateway instances on one Redis', () => {
  it('a client of a SIGKILLed instance resumes on the other and receives every message that needed an ack', async () => {
    expect(a.port).not.toBe(b.port);
    const onA = await socket(a.url);
    const firstId = publicPart(await onA.start()).clientId;
    const key = await loginDemo(onA);
    const idle = await socket(b.url);
    await idle.start();
    // Presence spans instances: one client on A, one on B.
    let count = 0;
    for (let i = 0; i < 100 && count !== 2; i++) {
      count = await store.countClients();
      if (count !== 2) await new Promise((r) => setTimeout(r, 50));
    }
    expect(count).toBe(2);
    expect(await store.loggedInUsers()).toEqual(['demo-user']);

    // Ack only the first 5 pushes A delivers; the rest stay held (prefetch caps what A holds).
    const acked = new Set<string>();
    onA.socket.on('push', (m: any) => {
      if (m?.cn === 'x.Kill' && acked.size < 5 && !acked.has(m.correspondingMessageId)) {
        acked.add(m.correspondingMessageId);
        onA.emit('message', { ack: { correspondingMessageId: m.correspondingMessageId } });
      }
    });
    for (let i = 0; i < N; i++) await agent.push(firstId, { cn: 'x.Kill', correspondingMessageId: `k${i}`, n: i });
    await until(() => new Set(pushIds(onA)).size >= 10, 'A delivered at least 10 pushes', 10_000);
    const beforeKill = new Set(pushIds(onA));

    await a.kill();
    // The broker requeues A's unacked deliveries once it sees the connection gone.
    for (let i = 0; i < 200; i++) {
      const info = await agent.queueInfo(firstId);
      if (info && info.consumers === 0) break;
      await new Promise((r) => setTimeout(r, 25));
    }
    expect(await agent.queueInfo(firstId)).toMatchObject({ consumers: 0 });

    const onB = await socket(b.url);
    onB.socket.on('push', (m: any) => {
      if (m?.correspondingMessageId) onB.emit('message', { ack: { correspondingMessageId: m.correspondingMessageId } });
    });
    onB.emit('message', { reconnect: { reconnectId: key } });
    const resumed = publicPart((await onB.next('gatewayConnectAck')).data as string);
    expect(resumed.userId).toBe('demo-user');
    const all = (): Set<string> => new Set([...pushIds(onA), ...pushIds(onB)]);
    await until(() => all().size === N, `all ${N} pushes arrived`, 15_000);

    const received = pushIds(onA).length + pushIds(onB).length;
    const figures = { sent: N, ackedOnA: acked.size, seenOnA: beforeKill.size, receivedOnB: pushIds(onB).length, distinct: all().size, duplicates: received - all().size, movedByAgent: agent.movedCount };
    console.info(`[e2e kill test] ${JSON.stringify(figures)}`);
    expect(all()).toEqual(new Set(Array.from({ length: N }, (_, i) => `k${i}`)));
    // Whatever A did not get acked on the broker must come again on B.
    for (let i = 0; i < N; i++) if (!acked.has(`k${i}`)) expect(pushIds(onB)).toContain(`k${i}`);

    // Logout on B revokes the key on every instance: a fresh A' refuses it.
    const [aPrime] = await Promise.all([
      spawnGateway(overrides),
      (async () => {
        onB.emit('logout', {});
        await onB.next('disconnect', () => true, 10_000);
      })(),
    ]);
    others.push(aPrime);
    const late = await socket(aPrime.url);
    late.emit('message', { reconnect: { reconnectId: key } });
    expect((await late.next('gatewayError')).data).toMatchObject({ code: 'INVALID_RECONNECT_KEY' });
    expect(publicPart((await late.next('gatewayConnectAck')).data as string).userId).toBeUndefined();
    const again = await socket(b.url);
    again.emit('message', { reconnect: { reconnectId: key } });
    expect((await again.next('gatewayError')).data).toMatchObject({ code: 'INVALID_RECONNECT_KEY' });
  }, 60_000);

  it('a logout on one instance closes the sockets of that login on the other within 1 s (Redis pub/sub)', async () => {
    const c = await spawnGateway(overrides);
    others.push(c);
    const onB = await socket(b.url);
    await onB.start();
    const key = await loginDemo(onB);
    const onC = await TestSocket.open(c.url, 'websocket');
    sockets.push(onC);
    onC.emit('message', { reconnect: { reconnectId: key } });
    expect(publicPart((await onC.next('gatewayConnectAck')).data as string).userId).toBe('demo-user');
    const bystander = await socket(c.url);
    await bystander.start();
    await loginDemo(bystander);

    const started = Date.now();
    onB.emit('logout', {});
    expect((await onC.next('gatewayDisconnect', () => true, 2000)).data).toEqual({ reason: 'logout', resumable: false });
    expect((await onC.next('disconnect', () => true, 2000)).data).toBe('ws close 4001 logout');
    const elapsed = Date.now() - started;
    console.info(`[e2e logout everywhere] closed on the other instance after ${elapsed} ms`);
    expect(elapsed).toBeLessThan(1000);
    expect(bystander.all('gatewayDisconnect')).toEqual([]);
  }, 60_000);
});
