import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { startEmbeddedGateway, type EmbeddedGateway } from '../../support/embedded-gateway.js';
import { publicPart, TestSocket, TRANSPORTS } from '../../support/test-socket.js';

describe.each(TRANSPORTS)('over %s', (transport) => {
  let gw: EmbeddedGateway;
  const open: TestSocket[] = [];

  beforeAll(async () => {
    gw = await startEmbeddedGateway();
  });
  afterAll(async () => {
    await gw.close();
  });
  afterEach(() => {
    for (const s of open.splice(0)) s.close();
  });

  async function socket(): Promise<TestSocket> {
    const s = await TestSocket.open(gw.url, transport);
    open.push(s);
    return s;
  }

  async function loggedIn(): Promise<{ s: TestSocket; key: string }> {
    const s = await socket();
    await s.start();
    s.emit('authenticateUserAccount', { credential: { username: 'demo', password: 'demo' }, messageId: 'login-1' });
    await s.next('push', (m) => m.correspondingMessageId === 'login-1');
    const key = (await s.next('gatewayConnectAck')).data as string;
    return { s, key };
  }

  describe('connect', () => {
    it('sends a reconnect key whose public part names a fresh 32-hex clientId', async () => {
      const s = await socket();
      const key = await s.start();
      const pub = publicPart(key);
      expect(pub.clientId).toMatch(/^[0-9a-f]{32}$/);
      expect(pub.userId).toBeUndefined();
      expect(key).toMatch(/^[A-Za-z0-9+/=]+;v1\.[^.]+\.[A-Za-z0-9_-]+$/);
    });

    it('refuses a second connect with BAD_REQUEST and keeps the session', async () => {
      const s = await socket();
      const key = await s.start();
      s.emit('message', { connect: {} });
      const err = await s.next('gatewayError');
      expect(err.data).toMatchObject({ code: 'BAD_REQUEST' });
      s.emit('findById', { messageId: 'x' });
      await s.next('gatewayError', (e) => e.code === 'UNAUTHENTICATED');
      expect(s.all('gatewayConnectAck')).toEqual([]);
      expect(publicPart(key).clientId).toBeTruthy();
    });
  });

  describe('agent events are gated in the order of PROTOCOL §2.2', () => {
    it('NOT_CONNECTED before connect, with the event and messageId', async () => {
      const s = await socket();
      s.emit('testCall', { messageId: 'm1' });
      expect((await s.next('gatewayError')).data).toEqual({
        code: 'NOT_CONNECTED',
        message: expect.any(String),
        event: 'testCall',
        messageId: 'm1',
      });
    });

    it('UNKNOWN_EVENT for an event not in the lists', async () => {
      const s = await socket();
      await s.start();
      s.emit('dropDatabase', { messageId: 'm2' });
      expect((await s.next('gatewayError')).data).toMatchObject({ code: 'UNKNOWN_EVENT', event: 'dropDatabase' });
    });

    it('BAD_REQUEST for a payload that is not a plain object, or sendAck without messageId', async () => {
      const s = await socket();
      await s.start();
      for (const bad of ['text', 42, null, [1, 2], true]) {
        s.emit('testCall', bad);
        expect((await s.next('gatewayError')).data).toMatchObject({ code: 'BAD_REQUEST', event: 'testCall' });
      }
      s.emit('testCall', { sendAck: true });
      expect((await s.next('gatewayError')).data).toMatchObject({ code: 'BAD_REQUEST' });
    });

    it('UNAUTHENTICATED for an authenticated event before login; nothing reaches the agent', async () => {
      const s = await socket();
      await s.start();
      const before = gw.agent!.received.get('findById')?.length ?? 0;
      s.emit('findById', { messageId: 'f1', theClassId: '1' });
      expect((await s.next('gatewayError')).data).toMatchObject({ code: 'UNAUTHENTICATED', event: 'findById', messageId: 'f1' });
      expect(gw.agent!.received.get('findById')?.length ?? 0).toBe(before);
    });

    it('a bad message payload gets BAD_REQUEST and the server keeps serving others', async () => {
      const bad = await socket();
      bad.emit('message', 'not an object');
      expect((await bad.next('gatewayError')).data).toMatchObject({ code: 'BAD_REQUEST' });
      bad.emit('message', { ack: { correspondingMessageId: 'x' } });
      expect((await bad.next('gatewayError')).data).toMatchObject({ code: 'NOT_CONNECTED' });
      const { s } = await loggedIn();
      s.emit('findById', { messageId: 'ok-1', theClassId: '7' });
      await s.next('push', (m) => m.correspondingMessageId === 'ok-1');
    });
  });

  describe('login and forwarding', () => {
    it('logs in from the agent reply, sends the new key and a ConnectRequest', async () => {
      const { key } = await loggedIn();
      const pub = publicPart(key);
      expect(pub.userId).toBe('demo-user');
      const connects = gw.agent!.received.get('connect') ?? [];
      expect(connects.find((c) => c.clientId === pub.clientId)).toMatchObject({
        cn: 'com.percero.agents.sync.vo.ConnectRequest',
        userId: 'demo-user',
        clientId: pub.clientId,
      });
    });

    it('a failed login changes nothing', async () => {
      const s = await socket();
      await s.start();
      s.emit('authenticateUserAccount', { credential: { username: 'demo', password: 'wrong' }, messageId: 'bad-login' });
      await s.next('push', (m) => m.correspondingMessageId === 'bad-login');
      s.emit('findById', { messageId: 'f2' });
      expect((await s.next('gatewayError')).data).toMatchObject({ code: 'UNAUTHENTICATED' });
      expect(s.all('gatewayConnectAck')).toEqual([]);
    });

    it('stamps identity: a client cannot act as another user', async () => {
      const { s, key } = await loggedIn();
      s.emit('findById', { messageId: 'spoof', theClassId: '9', userId: 'admin', clientId: 'someone-else', token: 'stolen' });
      const push = await s.next('push', (m) => m.correspondingMessageId === 'spoof');
      expect(push.data).toMatchObject({ result: { owner: 'demo-user' } });
      const seen = gw.agent!.received.get('findById')!.find((b) => b.messageId === 'spoof')!;
      expect(seen.userId).toBe('demo-user');
      expect(seen.clientId).toBe(publicPart(key).clientId);
      expect(seen.token).not.toBe('stolen');
    });

    it('sendAck: emits ack with the bare messageId once the broker confirmed', async () => {
      const s = await socket();
      await s.start();
      s.emit('testCall', { messageId: 'acked-1', sendAck: true });
      expect((await s.next('ack')).data).toBe('acked-1');
    });

    it('AGENT_UNAVAILABLE when no agent queue exists for the event', async () => {
      const { s } = await loggedIn();
      s.emit('runQuery', { messageId: 'q1', sendAck: true });
      expect((await s.next('gatewayError')).data).toMatchObject({ code: 'AGENT_UNAVAILABLE', event: 'runQuery', messageId: 'q1' });
      expect(s.all('ack')).toEqual([]);
    });
  });
});
