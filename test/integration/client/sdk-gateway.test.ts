import { afterEach, describe, expect, it, vi } from 'vitest';
import { createClient, memoryKeyStorage, type ActiveStackClient, type PushMessage } from '../../../src/client/index.js';
import { startEmbeddedGateway, type EmbeddedGateway } from '../../support/embedded-gateway.js';
import { next } from './helpers.js';

const fast = { initialMs: 10, maxMs: 100 };
const demoLogin = { credential: { username: 'demo', password: 'demo' } };
let gateway: EmbeddedGateway | undefined;
const clients: ActiveStackClient[] = [];

async function start(options: Parameters<typeof startEmbeddedGateway>[0] = {}): Promise<EmbeddedGateway> {
  gateway = await startEmbeddedGateway(options);
  return gateway;
}

function client(gw: EmbeddedGateway, options: Partial<Parameters<typeof createClient>[0]> = {}): ActiveStackClient {
  const c = createClient({ url: gw.url, reconnect: fast, ...options });
  clients.push(c);
  return c;
}

afterEach(async () => {
  for (const c of clients.splice(0)) c.close();
  await gateway?.close();
  gateway = undefined;
});

describe('SDK against the embedded gateway and the demo agent', () => {
  it('logs in and gets the findById reply as the answer to its request', async () => {
    const gw = await start();
    const c = client(gw);
    const session = await c.connect();
    expect(session.clientId).toMatch(/^[0-9a-f]{32}$/);
    const login = await c.request('authenticateUserAccount', demoLogin);
    expect(login).toMatchObject({ result: { user: { ID: 'demo-user' } } });
    await vi.waitFor(() => expect(c.session?.userId).toBe('demo-user'));
    const reply = await c.request('findById', { theClassName: 'demo.Item', theClassId: '42' });
    expect(reply).toMatchObject({
      cn: 'com.percero.agents.sync.vo.FindByIdResponse',
      result: { ID: '42', cn: 'demo.Item', owner: 'demo-user' },
    });
  });

  it('acks each reply so the broker forgets it', async () => {
    const gw = await start();
    const c = client(gw);
    const { clientId } = await c.connect();
    await c.request('authenticateUserAccount', demoLogin);
    await c.request('findById', { theClassId: '1' });
    await vi.waitFor(() => expect(gw.bus.unackedCount(clientId)).toBe(0));
    expect(gw.bus.queueDepth(clientId)).toBe(0);
  });

  it('does not deliver the re-sent push twice while the app holds its ack', async () => {
    const gw = await start({ resendIntervalMs: 20, maxResends: 0 });
    const c = client(gw);
    const { clientId } = await c.connect();
    await c.request('authenticateUserAccount', demoLogin);
    const seen: PushMessage[] = [];
    let release: (() => void) | undefined;
    c.on('push', 'FindByIdResponse', (p, ctx) => {
      seen.push(p);
      release = ctx.holdAck();
    });
    const duplicate = next(c, 'duplicate');
    const reply = await c.request('findById', { theClassId: '7' });
    const [copy] = await duplicate;
    expect(copy.correspondingMessageId).toBe(reply.correspondingMessageId);
    expect(seen).toHaveLength(1);
    expect(gw.bus.unackedCount(clientId)).toBe(1);
    release?.();
    await vi.waitFor(() => expect(gw.bus.unackedCount(clientId)).toBe(0));
    expect(seen).toHaveLength(1);
  });

  it('resumes the logged-in session with its key after the server drops the socket', async () => {
    const gw = await start();
    const storage = memoryKeyStorage();
    const c = client(gw, { storage });
    const first = await c.connect();
    await c.request('authenticateUserAccount', demoLogin);
    await vi.waitFor(() => expect(c.session?.userId).toBe('demo-user'));
    const reconnected = next(c, 'reconnect');
    gw.app.io.disconnectSockets(true);
    const [{ session, restored }] = await reconnected;
    expect(restored).toBe(true);
    expect(session.userId).toBe('demo-user');
    expect(session.clientId).not.toBe(first.clientId);
    const reply = await c.request('findById', { theClassId: '9' });
    expect(reply).toMatchObject({ result: { ID: '9', owner: 'demo-user' } });
  });

  it('queues requests made while disconnected and sends them once the session is back', async () => {
    const gw = await start();
    const c = client(gw);
    await c.connect();
    await c.request('authenticateUserAccount', demoLogin);
    const gone = next(c, 'disconnect');
    gw.app.io.disconnectSockets(true);
    await gone;
    expect(c.connected).toBe(false);
    const replies = Promise.all([c.request('findById', { theClassId: 'q1' }), c.request('findById', { theClassId: 'q2' })]);
    expect(await replies).toMatchObject([{ result: { ID: 'q1' } }, { result: { ID: 'q2' } }]);
  });

  it('reports an invalid stored key and runs as a fresh, logged-out session', async () => {
    const gw = await start();
    const forged = `${Buffer.from(JSON.stringify({ clientId: 'a'.repeat(32), userId: 'demo-user' })).toString('base64')};v1.x.AAAA`;
    const c = client(gw, { storage: memoryKeyStorage(forged) });
    const error = next(c, 'error');
    const session = await c.connect();
    expect((await error)[0].code).toBe('INVALID_RECONNECT_KEY');
    expect(session.userId).toBeUndefined();
    expect(session.clientId).not.toBe('a'.repeat(32));
    await expect(c.request('findById', { theClassId: '1' })).rejects.toMatchObject({ code: 'UNAUTHENTICATED' });
  });

  it('times out a request nobody answers', async () => {
    const gw = await start();
    const c = client(gw);
    await c.connect();
    // logoutUser is a known event the demo agent consumes without replying.
    await expect(c.request('logoutUser', {}, { timeout: 50 })).rejects.toMatchObject({ code: 'TIMEOUT' });
  });

  it('logout() ends the login; the client stops and connect() starts logged out', async () => {
    const gw = await start();
    const c = client(gw);
    await c.connect();
    await c.request('authenticateUserAccount', demoLogin);
    await vi.waitFor(() => expect(c.session?.userId).toBe('demo-user'));
    const closed = next(c, 'closed');
    await c.logout();
    expect((await closed)[0]).toMatchObject({ reason: 'logout' });
    const session = await c.connect();
    expect(session.userId).toBeUndefined();
  });
});
