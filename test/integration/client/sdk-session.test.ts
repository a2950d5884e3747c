import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { createClient, memoryKeyStorage, type ActiveStackClient } from '../../../src/client/index.js';
import { FakeGateway } from './fake-gateway.js';
import { next, record } from './helpers.js';

const fast = { initialMs: 10, maxMs: 50 };
let fake: FakeGateway;
const clients: ActiveStackClient[] = [];

function client(options: Partial<Parameters<typeof createClient>[0]> = {}): ActiveStackClient {
  const c = createClient({ url: fake.url, reconnect: fast, ...options });
  clients.push(c);
  return c;
}

beforeEach(async () => {
  fake = await FakeGateway.start();
});

afterEach(async () => {
  for (const c of clients.splice(0)) c.close();
  await fake.close();
});

describe('SDK sessions (fake gateway)', () => {
  it('connect() sends a plain connect and resolves with the session of the first key', async () => {
    const storage = memoryKeyStorage();
    const c = client({ storage });
    const session = await c.connect();
    expect(session.clientId).toMatch(/^[0-9a-f]{32}$/);
    expect(session.userId).toBeUndefined();
    expect(fake.eventsNamed('message')).toEqual([{ connect: {} }]);
    expect(storage.get()).toMatch(/;v1\.fake\./);
    expect(c.connected).toBe(true);
  });

  it('keeps the latest key and exposes the logged-in user', async () => {
    const storage = memoryKeyStorage();
    const c = client({ storage });
    await c.connect();
    const changed = next(c, 'session');
    await c.request('authenticateUserAccount', { credential: { username: 'demo', password: 'demo' } });
    const [session, change] = await changed;
    expect(change).toBe('changed');
    expect(session.userId).toBe('demo-user');
    expect(c.session?.userId).toBe('demo-user');
    expect(storage.get()).toBe(fake.lastKey);
  });

  it('resumes with the stored key after the server drops the socket', async () => {
    const c = client();
    const first = await c.connect();
    await c.request('authenticateUserAccount', { credential: { username: 'demo', password: 'demo' } });
    const keyBefore = fake.lastKey;
    const disconnected = next(c, 'disconnect');
    const reconnected = next(c, 'reconnect');
    fake.dropAll();
    const [reason] = await disconnected;
    expect(reason).toBe('io server disconnect');
    const [{ session, restored }] = await reconnected;
    expect(restored).toBe(true);
    expect(session.userId).toBe('demo-user');
    expect(session.clientId).not.toBe(first.clientId);
    expect(fake.eventsNamed('message').at(-1)).toEqual({ reconnect: { reconnectId: keyBefore } });
  });

  it('resumes after a network-style drop of the transport too', async () => {
    const c = client();
    await c.connect();
    const reconnected = next(c, 'reconnect');
    c.drop();
    const [{ restored }] = await reconnected;
    expect(restored).toBe(true);
    const reply = await c.request('findById', { ID: '1' });
    expect(reply.correspondingMessageId).toBeDefined();
  });

  it('keeps retrying with backoff while the gateway refuses, then resumes', async () => {
    const c = client();
    await c.connect();
    const errors = record(c, 'error');
    fake.pause();
    const reconnected = next(c, 'reconnect');
    fake.dropAll();
    await next(c, 'error');
    await next(c, 'error');
    fake.resume();
    const [{ restored }] = await reconnected;
    expect(restored).toBe(true);
    expect(errors.every(([e]) => e.code === 'CONNECT_FAILED')).toBe(true);
  });

  it('surfaces INVALID_RECONNECT_KEY as an error event and goes on as a fresh session', async () => {
    const bogus = `${Buffer.from(JSON.stringify({ clientId: 'f'.repeat(32) })).toString('base64')};v1.fake.nope`;
    const storage = memoryKeyStorage(bogus);
    const c = client({ storage });
    const error = next(c, 'error');
    const sessionEvent = next(c, 'session');
    const session = await c.connect();
    const [err] = await error;
    expect(err.code).toBe('INVALID_RECONNECT_KEY');
    expect((await sessionEvent)[1]).toBe('fresh');
    expect(session.clientId).not.toBe('f'.repeat(32));
    expect(storage.get()).not.toBe(bogus);
    expect(await c.request('findById', { ID: 'x' })).toMatchObject({ result: { ID: 'x' } });
  });

  it('logout() ends the login and the client stops, forgetting its key', async () => {
    const storage = memoryKeyStorage();
    const c = client({ storage });
    await c.connect();
    await c.request('authenticateUserAccount', { credential: { username: 'demo', password: 'demo' } });
    const closed = next(c, 'closed');
    await c.logout();
    expect((await closed)[0]).toEqual({ reason: 'logout', resumable: false });
    expect(storage.get()).toBeNull();
    expect(c.connected).toBe(false);
    expect(fake.eventsNamed('logout')).toHaveLength(1);
  });

  it('logout() without a live session rejects with NOT_CONNECTED', async () => {
    const c = client();
    await expect(c.logout()).rejects.toMatchObject({ code: 'NOT_CONNECTED' });
  });

  it('connect() to a port nobody listens on rejects with CONNECT_FAILED', async () => {
    const url = fake.url;
    await fake.close();
    fake = await FakeGateway.start();
    const c = createClient({ url, reconnect: fast });
    clients.push(c);
    await expect(c.connect()).rejects.toMatchObject({ code: 'CONNECT_FAILED' });
  });

  it('close() is idempotent and makes later calls fail with CLOSED', async () => {
    const c = client();
    await c.connect();
    c.close();
    c.close();
    expect(c.connected).toBe(false);
    await expect(c.connect()).rejects.toMatchObject({ code: 'CLOSED' });
    await expect(c.request('findById', {})).rejects.toMatchObject({ code: 'CLOSED' });
  });
  it('a socket the gateway lets open but never answers is dropped after handshakeTimeoutMs and tried again', async () => {
    const c = client({ handshakeTimeoutMs: 300 });
    const errors = record(c, 'error');
    fake.stall({ sockets: 1 });
    const session = await c.connect();
    expect(session.clientId).toMatch(/^[0-9a-f]{32}$/);
    expect(fake.attempts).toBe(2);
    expect(errors.map(([e]) => e.code)).toEqual(['HANDSHAKE_TIMEOUT']);
  });

  it('a reconnect the gateway never answers is sent again on a new socket, with the same key', async () => {
    const storage = memoryKeyStorage();
    const c = client({ storage, handshakeTimeoutMs: 300 });
    const first = await c.connect();
    const key = storage.get();
    fake.stall({ handshakes: 1 });
    const back = next(c, 'reconnect');
    fake.dropAll();
    const [{ restored }] = await back;
    expect(restored).toBe(true);
    const reconnects = fake.eventsNamed('message').filter((m) => 'reconnect' in (m as object));
    expect(reconnects).toEqual([{ reconnect: { reconnectId: key } }, { reconnect: { reconnectId: key } }]);
    expect(c.session?.clientId).not.toBe(first.clientId);
  });

  it('a handshake answered in time leaves no timer behind: no HANDSHAKE_TIMEOUT later', async () => {
    const c = client({ handshakeTimeoutMs: 100 });
    const errors = record(c, 'error');
    await c.connect();
    await new Promise((resolve) => setTimeout(resolve, 300));
    expect(errors).toEqual([]);
    expect(c.connected).toBe(true);
  });
});
