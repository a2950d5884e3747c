import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { loadConfig } from '../../../src/main/config/index.js';
import { startWorker, type RunningWorker } from '../../../src/main/worker.js';
import { AmqpTestAgent, createVhost, deleteVhost, loginDemo, queueCounts, testVhostName } from '../../support/amqp-agent.js';
import { MemoryLogger } from '../../support/fakes.js';
import { realGatewayOverrides } from '../../support/gateway-process.js';
import { requireRabbitMq, requireRedis } from '../../support/services.js';
import { publicPart, TestSocket, TRANSPORTS, until, type TransportName } from '../../support/test-socket.js';

// The full protocol over the real RabbitMQ and Redis, with the amqplib test
// agent as backend, in a vhost of its own (no other agent shares its queues).
const vhost = testVhostName('protocol');
let worker: RunningWorker;
let agent: AmqpTestAgent;
let url: string;
const logger = new MemoryLogger();
const open: TestSocket[] = [];

beforeAll(async () => {
  await requireRabbitMq();
  await requireRedis();
  await createVhost(vhost);
  agent = await AmqpTestAgent.start({ vhost });
  const { config } = loadConfig({ env: {}, argv: realGatewayOverrides(vhost, {
    'frontend.clientMessageResendInterval': 300,
    // rabbitmqctl takes seconds: a held push must not get its client dropped meanwhile.
    'frontend.maxResends': 0,
  }) });
  worker = await startWorker(config, { logger });
  url = `http://127.0.0.1:${worker.port}`;
}, 60_000);

afterAll(async () => {
  await worker?.close();
  await agent?.stop();
  await deleteVhost(vhost);
}, 60_000);

afterEach(() => {
  for (const s of open.splice(0)) s.close();
});

async function socketOver(transport: TransportName): Promise<TestSocket> {
  const s = await TestSocket.open(url, transport);
  open.push(s);
  return s;
}

/**
 * The reply queue of a client that never logged in is deleted when it
 * leaves, but only if the broker finds it empty and unused and every
 * delivery of it was acked: its going proves that nothing went back to it.
 */
async function untilDiscarded(queue: string): Promise<void> {
  const deadline = Date.now() + 10_000;
  for (let info = await agent.queueInfo(queue); info; info = await agent.queueInfo(queue)) {
    if (Date.now() > deadline) throw new Error(`queue ${queue} still there: ${JSON.stringify(info)}`);
    await new Promise((r) => setTimeout(r, 25));
  }
}

/**
 * What the broker shows for the queue once `ok` holds, or at the 10 s
 * deadline (for the assertion to show). The gateway cancels its consumer
 * before it sends back what it held (a requeue before cancel-ok would come
 * straight back to it), so "no consumer" comes a moment before a held
 * message is ready again: wait for what the test needs, not the first sign.
 */
async function queueWhen(queue: string, ok: (info: { messages: number; consumers: number }) => boolean): Promise<{ messages: number; consumers: number } | undefined> {
  const deadline = Date.now() + 10_000;
  let info = await agent.queueInfo(queue);
  while (Date.now() < deadline && !(info && ok(info))) {
    await new Promise((r) => setTimeout(r, 25));
    info = await agent.queueInfo(queue);
  }
  return info;
}

describe.sequential.each(TRANSPORTS)('the protocol over real RabbitMQ and Redis, %s transport', (transport) => {
  const socket = (): Promise<TestSocket> => socketOver(transport);

  it('is ready with broker and Redis up', () => {
    expect(worker.readiness()).toMatchObject({ ready: true, broker: true, redis: true });
    // Which node, since when, no failover yet.
    expect(worker.readiness().brokerStatus).toMatchObject({ connected: true, node: '127.0.0.1:5672', failovers: 0, blocked: false });
    // /ready is public: the node, not the URL with its user name and vhost.
    expect(worker.readiness().brokerStatus).not.toHaveProperty('url');
    expect(JSON.stringify(worker.readiness())).not.toContain('guest');
  });

  it('logs in through the agent, sends a ConnectRequest and stamps identity on authenticated events', async () => {
    const s = await socket();
    const clientId = publicPart(await s.start()).clientId;
    expect(await agent.queueInfo(clientId)).toMatchObject({ consumers: 1 });

    s.emit('authenticateUserAccount', { credential: { username: 'demo', password: 'demo' }, messageId: 'login', sendAck: true });
    expect((await s.next('ack')).data).toBe('login');
    const response = (await s.next('push', (m) => m.correspondingMessageId === 'login')).data as any;
    expect(response.cn).toBe('com.percero.agents.auth.vo.AuthenticateUserAccountResponse');
    s.emit('message', { ack: { correspondingMessageId: 'login' } });
    const key = (await s.next('gatewayConnectAck')).data as string;
    expect(publicPart(key)).toMatchObject({ clientId, userId: 'demo-user' });
    const connect = await agent.waitFor('connect', (b) => b.clientId === clientId);
    expect(connect).toMatchObject({ cn: 'com.percero.agents.sync.vo.ConnectRequest', userId: 'demo-user', token: response.result.token });

    const f1 = `f1-${transport}`;
    s.emit('findById', { messageId: f1, sendAck: true, theClassId: '42', clientId: 'forged', userId: 'mallory', token: 'stolen' });
    expect((await s.next('ack')).data).toBe(f1);
    const found = (await s.next('push', (m) => m.correspondingMessageId === f1)).data as any;
    expect(found.result).toEqual({ ID: '42', cn: null, owner: 'demo-user' });
    const req = await agent.waitFor('findById', (b) => b.messageId === f1);
    expect(req).toMatchObject({ clientId, userId: 'demo-user', token: response.result.token });
  });

  it('answers AGENT_UNAVAILABLE for an event no agent consumes (returned by the broker), without an ack', async () => {
    const s = await socket();
    await s.start();
    await loginDemo(s);
    s.emit('findByExample', { messageId: 'nobody', sendAck: true });
    expect((await s.next('gatewayError')).data).toMatchObject({ code: 'AGENT_UNAVAILABLE', event: 'findByExample', messageId: 'nobody' });
    s.emit('findById', { messageId: 'after', sendAck: true });
    expect((await s.next('ack')).data).toBe('after');
    expect(s.all('ack')).toEqual([]);
  });

  it('re-sends a push until acked; it stays unacknowledged on the broker until then', async () => {
    const s = await socket();
    const clientId = publicPart(await s.start()).clientId;
    await agent.push(clientId, { cn: 'x.y.Note', correspondingMessageId: 'n1', text: 'hello' });
    const first = await s.next('push', (m) => m.correspondingMessageId === 'n1');
    expect(first.data).toEqual({ cn: 'x.y.Note', correspondingMessageId: 'n1', text: 'hello' });
    expect((await s.next('push', (m) => m.correspondingMessageId === 'n1')).data).toEqual(first.data);
    expect(await queueCounts(vhost, clientId)).toEqual({ ready: 0, unacked: 1 });

    s.emit('message', { ack: { correspondingMessageId: 'n1' } });
    await agent.push(clientId, { cn: 'x.y.Marker' });
    await s.next('push', (m) => m.cn === 'x.y.Marker');
    s.close();
    // Had the ack not reached the broker, closing would have requeued n1 and the queue would be kept.
    await untilDiscarded(clientId);
  });

  it('reconnects on a new socket and receives what waited in the old queue (moved by the agent)', async () => {
    const a = await socket();
    await a.start();
    const key = await loginDemo(a);
    const oldId = publicPart(key).clientId;
    a.close();
    expect(await queueWhen(oldId, (q) => q.consumers === 0)).toMatchObject({ consumers: 0 });
    await agent.push(oldId, { cn: 'x.Waiting', correspondingMessageId: 'w1' });
    await agent.push(oldId, { cn: 'x.Waiting', correspondingMessageId: 'w2' });

    const b = await socket();
    b.emit('message', { reconnect: { reconnectId: key } });
    const pub = publicPart((await b.next('gatewayConnectAck')).data as string);
    expect(pub).toMatchObject({ userId: 'demo-user' });
    expect(pub.clientId).not.toBe(oldId);
    const got = [await b.next('push', (m) => m.cn === 'x.Waiting'), await b.next('push', (m) => m.cn === 'x.Waiting')];
    expect(got.map((r: any) => r.data.correspondingMessageId).sort()).toEqual(['w1', 'w2']);
    expect(await agent.waitFor('reconnect', (r) => r.clientId === pub.clientId)).toMatchObject({
      cn: 'com.percero.agents.sync.vo.ReconnectRequest',
      existingClientId: oldId,
      existingClientIds: [oldId],
      userId: 'demo-user',
    });
    expect(await agent.queueInfo(oldId)).toMatchObject({ messages: 0 });
    b.emit('findById', { messageId: 'resumed', theClassId: '7' });
    expect(((await b.next('push', (m) => m.correspondingMessageId === 'resumed')).data as any).result.owner).toBe('demo-user');
  });

  it('refuses a tampered key with INVALID_RECONNECT_KEY and continues logged out', async () => {
    const a = await socket();
    await a.start();
    const key = await loginDemo(a);
    const [pub, sealed] = key.split(';') as [string, string];
    const flipped = sealed.slice(0, -3) + (sealed.at(-3) === 'A' ? 'B' : 'A') + sealed.slice(-2);
    const b = await socket();
    b.emit('message', { reconnect: { reconnectId: `${pub};${flipped}` } });
    expect((await b.next('gatewayError')).data).toMatchObject({ code: 'INVALID_RECONNECT_KEY' });
    expect(publicPart((await b.next('gatewayConnectAck')).data as string).userId).toBeUndefined();
  });

  it('logout tells disconnectAuth and revokes the key through Redis', async () => {
    const a = await socket();
    const clientId = publicPart(await a.start()).clientId;
    const key = await loginDemo(a);
    a.emit('logout', {});
    expect(publicPart((await a.next('gatewayConnectAck')).data as string).userId).toBeUndefined();
    expect((await a.next('gatewayDisconnect')).data).toEqual({ reason: 'logout', resumable: false });
    await a.next('disconnect');
    expect(await agent.waitFor('disconnectAuth', (b) => b.clientId === clientId)).toMatchObject({
      cn: 'com.percero.agents.auth.vo.DisconnectRequest',
      userId: 'demo-user',
    });
    const b = await socket();
    b.emit('message', { reconnect: { reconnectId: key } });
    expect((await b.next('gatewayError')).data).toMatchObject({ code: 'INVALID_RECONNECT_KEY' });
    expect(publicPart((await b.next('gatewayConnectAck')).data as string).userId).toBeUndefined();
  });

  it('an EOL from the agent ends the client and its consumer', async () => {
    const s = await socket();
    const clientId = publicPart(await s.start()).clientId;
    await agent.push(clientId, { EOL: true, clientId: 'someone-else' });
    await agent.push(clientId, { cn: 'x.StillHere' });
    await s.next('push', (m) => m.cn === 'x.StillHere');
    await agent.eol(clientId);
    expect((await s.next('gatewayDisconnect')).data).toEqual({ reason: 'eol', resumable: false });
    expect((await s.next('disconnect')).data).toBe(transport === 'websocket' ? 'ws close 4001 eol' : 'io server disconnect');
    // Never logged in and nothing left in it: its queue goes with it.
    await untilDiscarded(clientId);
  });

  it('a closed socket sends a DisconnectRequest and its held push goes back to the queue', async () => {
    const s = await socket();
    const clientId = publicPart(await s.start()).clientId;
    await loginDemo(s);
    await agent.push(clientId, { cn: 'x.Held', correspondingMessageId: 'h1' });
    await s.next('push', (m) => m.cn === 'x.Held');
    s.close();
    const disc = await agent.waitFor('disconnect', (b) => b.clientId === clientId);
    expect(disc).toMatchObject({ cn: 'com.percero.agents.sync.vo.DisconnectRequest', userId: 'demo-user' });
    expect(disc).not.toHaveProperty('existingClientId');
    expect(await queueWhen(clientId, (q) => q.consumers === 0 && q.messages >= 1)).toEqual({ messages: 1, consumers: 0 });
    await until(() => worker.clientCount() === 0, 'every client of this file is gone', 10_000);
  });
});
