import { afterEach, describe, expect, it } from 'vitest';
import { startEmbeddedGateway, type EmbeddedGateway } from '../../support/embedded-gateway.js';
import { publicPart, sleep, TestSocket, until, TRANSPORTS } from '../../support/test-socket.js';

describe.each(TRANSPORTS)('over %s', (transport) => {
  let gw: EmbeddedGateway | undefined;
  const open: TestSocket[] = [];
  afterEach(async () => {
    for (const s of open.splice(0)) s.close();
    await gw?.close();
    gw = undefined;
  });

  async function socket(g: EmbeddedGateway): Promise<TestSocket> {
    const s = await TestSocket.open(g.url, transport);
    open.push(s);
    return s;
  }

  async function login(s: TestSocket): Promise<string> {
    await s.start();
    s.emit('authenticateUserAccount', { credential: { username: 'demo', password: 'demo' }, messageId: 'login' });
    await s.next('push', (m) => m.correspondingMessageId === 'login');
    s.emit('message', { ack: { correspondingMessageId: 'login' } });
    return (await s.next('gatewayConnectAck')).data as string;
  }

  function push(g: EmbeddedGateway, queue: string, msg: Record<string, unknown>): Promise<void> {
    return g.bus.publish(queue, Buffer.from(JSON.stringify(msg)), { replyTo: 'test-agent' });
  }

  describe('reconnect (PROTOCOL §2.1, §4)', () => {
    it('resumes a logged-in session on a new socket and delivers what waited in the old queue', async () => {
      gw = await startEmbeddedGateway({ resendIntervalMs: 60_000 });
      const a = await socket(gw);
      const key = await login(a);
      const oldId = publicPart(key).clientId;
      a.close();
      await until(() => gw!.gateway.clientCount === 0, 'the old client is gone');
      await push(gw, oldId, { cn: 'x.Waiting', correspondingMessageId: 'w1' });
      await push(gw, oldId, { cn: 'x.Waiting', correspondingMessageId: 'w2' });

      const b = await socket(gw);
      b.emit('message', { reconnect: { reconnectId: key } });
      const newKey = (await b.next('gatewayConnectAck')).data as string;
      const pub = publicPart(newKey);
      expect(pub.clientId).not.toBe(oldId);
      expect(pub.userId).toBe('demo-user');
      const ids = [(await b.next('push', (m) => m.cn === 'x.Waiting')).data, (await b.next('push', (m) => m.cn === 'x.Waiting')).data].map(
        (m: any) => m.correspondingMessageId,
      );
      expect(ids.sort()).toEqual(['w1', 'w2']);
      const req = (gw.agent!.received.get('reconnect') ?? []).find((r) => r.clientId === pub.clientId)!;
      expect(req).toMatchObject({
        cn: 'com.percero.agents.sync.vo.ReconnectRequest',
        existingClientId: oldId,
        existingClientIds: [oldId],
        userId: 'demo-user',
      });
      // the resumed session is logged in
      b.emit('findById', { messageId: 'after', theClassId: '1' });
      await b.next('push', (m) => m.correspondingMessageId === 'after');
    });

    it('a tampered key gets INVALID_RECONNECT_KEY before a fresh logged-out session', async () => {
      gw = await startEmbeddedGateway();
      const a = await socket(gw);
      const key = await login(a);
      const [pub, sealed] = key.split(';') as [string, string];
      const flipped = sealed.slice(0, -3) + (sealed.at(-3) === 'A' ? 'B' : 'A') + sealed.slice(-2);
      const b = await socket(gw);
      b.emit('message', { reconnect: { reconnectId: `${pub};${flipped}` } });
      expect((await b.next('gatewayError')).data).toMatchObject({ code: 'INVALID_RECONNECT_KEY' });
      const fresh = publicPart((await b.next('gatewayConnectAck')).data as string);
      expect(fresh.userId).toBeUndefined();
      expect(b.received.findIndex((r) => r.event === 'gatewayError')).toBe(-1);
    });

    it('a key whose revocation cannot be checked is kept: AGENT_UNAVAILABLE, socket closed, the same key works later', async () => {
      gw = await startEmbeddedGateway();
      const a = await socket(gw);
      const key = await login(a);
      a.close();
      const isRevoked = gw.store.isRevoked.bind(gw.store);
      gw.store.isRevoked = () => Promise.reject(new Error('session store down'));
      const b = await socket(gw);
      b.emit('message', { reconnect: { reconnectId: key } });
      expect((await b.next('gatewayError')).data).toMatchObject({ code: 'AGENT_UNAVAILABLE' });
      await b.next('disconnect');
      expect(b.all('gatewayConnectAck')).toEqual([]);
      gw.store.isRevoked = isRevoked;
      const c = await socket(gw);
      c.emit('message', { reconnect: { reconnectId: key } });
      expect(publicPart((await c.next('gatewayConnectAck')).data as string).userId).toBe('demo-user');
      expect(c.all('gatewayError')).toEqual([]);
    });

    it('{reconnect: null} is an invalid key too, then a plain connect', async () => {
      gw = await startEmbeddedGateway();
      const b = await socket(gw);
      b.emit('message', { reconnect: null });
      expect((await b.next('gatewayError')).data).toMatchObject({ code: 'INVALID_RECONNECT_KEY' });
      await b.next('gatewayConnectAck');
    });
  });

  describe('logout (PROTOCOL §2.4)', () => {
    it('tells disconnectAuth, revokes every key of the login, sends the logged-out key and disconnects', async () => {
      gw = await startEmbeddedGateway();
      const a = await socket(gw);
      const key = await login(a);
      a.emit('logout', {});
      const outKey = (await a.next('gatewayConnectAck')).data as string;
      expect(publicPart(outKey).userId).toBeUndefined();
      await a.next('disconnect');
      const auth = (gw.agent!.received.get('disconnectAuth') ?? []).at(-1)!;
      expect(auth).toMatchObject({ cn: 'com.percero.agents.auth.vo.DisconnectRequest', userId: 'demo-user' });

      const b = await socket(gw);
      b.emit('message', { reconnect: { reconnectId: key } });
      expect((await b.next('gatewayError')).data).toMatchObject({ code: 'INVALID_RECONNECT_KEY' });
      expect(publicPart((await b.next('gatewayConnectAck')).data as string).userId).toBeUndefined();

      // the logged-out key stays valid
      const c = await socket(gw);
      c.emit('message', { reconnect: { reconnectId: outKey } });
      await c.next('gatewayConnectAck');
      expect(c.all('gatewayError')).toEqual([]);
    });

    it('logout on a session that is not logged in tells no agent and disconnects', async () => {
      gw = await startEmbeddedGateway();
      const a = await socket(gw);
      await a.start();
      const before = gw.agent!.received.get('disconnectAuth')?.length ?? 0;
      a.emit('logout', {});
      await a.next('disconnect');
      expect(gw.agent!.received.get('disconnectAuth')?.length ?? 0).toBe(before);
    });
  });

  describe('end of life and close', () => {
    it('EOL for this client ends it; EOL for another clientId is ignored', async () => {
      gw = await startEmbeddedGateway();
      const a = await socket(gw);
      const clientId = publicPart(await a.start()).clientId;
      await push(gw, clientId, { EOL: true, clientId: 'someone-else' });
      await push(gw, clientId, { cn: 'x.StillHere' });
      await a.next('push', (m) => m.cn === 'x.StillHere');
      await push(gw, clientId, { EOL: true, clientId });
      await a.next('disconnect');
      await until(() => gw!.gateway.clientCount === 0, 'the client is disposed');
      expect(gw.bus.consumerCount(clientId)).toBe(0);
    });

    it('a closed socket sends a DisconnectRequest and returns unacked deliveries to the queue', async () => {
      gw = await startEmbeddedGateway({ resendIntervalMs: 60_000 });
      const a = await socket(gw);
      const key = await login(a);
      const clientId = publicPart(key).clientId;
      await push(gw, clientId, { cn: 'x.Held', correspondingMessageId: 'h1' });
      await a.next('push', (m) => m.cn === 'x.Held');
      await until(() => gw!.bus.unackedCount(clientId) === 1, 'only the held push is unacked');
      a.close();
      await until(() => gw!.gateway.clientCount === 0, 'the client is gone');
      expect(gw.bus.unackedCount(clientId)).toBe(0);
      expect(gw.bus.queueDepth(clientId)).toBe(1);
      expect(gw.bus.consumerCount(clientId)).toBe(0);
      const disc = (gw.agent!.received.get('disconnect') ?? []).find((d) => d.clientId === clientId)!;
      expect(disc).toMatchObject({ cn: 'com.percero.agents.sync.vo.DisconnectRequest', userId: 'demo-user' });
      expect(disc).not.toHaveProperty('existingClientId');
      expect(disc).not.toHaveProperty('existingClientIds');
    });
  });
});
