import { afterEach, describe, expect, it } from 'vitest';
import { InMemorySessionStore } from '../../../src/adapters/memory/in-memory-session-store.js';
import { startEmbeddedGateway, type EmbeddedGateway } from '../../support/embedded-gateway.js';
import { publicPart, TestSocket, type TransportName } from '../../support/test-socket.js';

/**
 * PROTOCOL §2.4: logout ends the login everywhere — every live socket whose
 * session carries the revoked sid, on every instance and transport, gets
 * `gatewayDisconnect` `logout` and is closed within 1 s. And a login never
 * leaves an earlier sid alive.
 */
const gateways: EmbeddedGateway[] = [];
const sockets: TestSocket[] = [];
afterEach(async () => {
  for (const s of sockets.splice(0)) s.close();
  for (const g of gateways.splice(0)) await g.close();
});

async function gateway(store?: InMemorySessionStore): Promise<EmbeddedGateway> {
  const g = await startEmbeddedGateway({ resendIntervalMs: 60_000, ...(store ? { store } : {}) });
  gateways.push(g);
  return g;
}

async function open(g: EmbeddedGateway, transport: TransportName): Promise<TestSocket> {
  const s = await g.socket(transport);
  sockets.push(s);
  return s;
}

async function login(s: TestSocket): Promise<string> {
  await s.start();
  s.emit('authenticateUserAccount', { credential: { username: 'demo', password: 'demo' }, messageId: 'login' });
  await s.next('push', (m) => m.correspondingMessageId === 'login');
  s.emit('message', { ack: { correspondingMessageId: 'login' } });
  return (await s.next('gatewayConnectAck', (k) => publicPart(k).userId !== undefined)).data as string;
}

async function resume(s: TestSocket, key: string): Promise<string> {
  s.emit('message', { reconnect: { reconnectId: key } });
  const next = (await s.next('gatewayConnectAck')).data as string;
  expect(publicPart(next).userId).toBe('demo-user');
  return next;
}

describe('logout ends every live session of that login (PROTOCOL §2.4)', () => {
  it('on every instance and transport, within 1 s; other logins stay', async () => {
    const store = new InMemorySessionStore();
    const g1 = await gateway(store);
    const g2 = await gateway(store);
    const a = await open(g1, 'socket.io');
    const key = await login(a);
    const onOtherInstance = await open(g2, 'socket.io');
    await resume(onOtherInstance, key);
    const overWebSocket = await open(g1, 'websocket');
    await resume(overWebSocket, key);
    const otherLogin = await open(g2, 'websocket');
    await login(otherLogin);

    const started = Date.now();
    a.emit('logout', {});
    for (const s of [onOtherInstance, overWebSocket]) {
      expect((await s.next('gatewayDisconnect', () => true, 1000)).data).toEqual({ reason: 'logout', resumable: false });
      await s.next('disconnect', () => true, 1000);
    }
    expect(Date.now() - started).toBeLessThan(1000);
    expect((await a.next('gatewayDisconnect')).data).toEqual({ reason: 'logout', resumable: false });
    // The other login is untouched.
    otherLogin.emit('findById', { messageId: 'still', theClassId: '1' });
    await otherLogin.next('push', (m) => m.correspondingMessageId === 'still');
    expect(otherLogin.all('gatewayDisconnect')).toEqual([]);
  });

  it('a socket that resumed the login just before the revocation was heard is closed too', async () => {
    const g = await gateway();
    const a = await open(g, 'websocket');
    const key = await login(a);
    const b = await open(g, 'socket.io');
    // Both at once: b's revocation check may pass before a's revoke lands.
    b.emit('message', { reconnect: { reconnectId: key } });
    a.emit('logout', {});
    await b.next('disconnect', () => true, 1000);
    const c = await open(g, 'socket.io');
    c.emit('message', { reconnect: { reconnectId: key } });
    expect((await c.next('gatewayError')).data).toMatchObject({ code: 'INVALID_RECONNECT_KEY' });
  });
});

describe('a login never leaves an earlier sid alive', () => {
  const userToken = (userId: string): Buffer =>
    Buffer.from(JSON.stringify({ cn: 'com.percero.agents.auth.vo.UserToken', user: { ID: userId }, token: `t-${userId}`, correspondingMessageId: `again-${userId}` }));

  it('the same login reply delivered again keeps the sid: one logout still kills the key from before', async () => {
    const g = await gateway();
    const a = await open(g, 'socket.io');
    const k1 = await login(a);
    a.close();
    const b = await open(g, 'socket.io');
    const k2 = await resume(b, k1);
    // The broker hands the unacked login reply to the new queue (instance killed before the ack).
    await g.bus.publish(publicPart(k2).clientId, userToken('demo-user'), { replyTo: 'agent' });
    await b.next('push', (m) => m.correspondingMessageId === 'again-demo-user');
    b.emit('message', { ack: { correspondingMessageId: 'again-demo-user' } });
    b.emit('logout', {});
    await b.next('disconnect');
    const c = await open(g, 'websocket');
    c.emit('message', { reconnect: { reconnectId: k1 } });
    expect((await c.next('gatewayError')).data).toMatchObject({ code: 'INVALID_RECONNECT_KEY' });
  });

  it('another user logging in on the session revokes the earlier login at once', async () => {
    const g = await gateway();
    const a = await open(g, 'websocket');
    const k1 = await login(a);
    const clientId = publicPart(k1).clientId;
    await g.bus.publish(clientId, userToken('someone-else'), { replyTo: 'agent' });
    const k2 = (await a.next('gatewayConnectAck', (k) => publicPart(k).userId === 'someone-else')).data as string;
    expect(publicPart(k2).userId).toBe('someone-else');
    const c = await open(g, 'socket.io');
    c.emit('message', { reconnect: { reconnectId: k1 } });
    expect((await c.next('gatewayError')).data).toMatchObject({ code: 'INVALID_RECONNECT_KEY' });
  });
});
