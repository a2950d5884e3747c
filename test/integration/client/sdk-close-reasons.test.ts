import { afterEach, describe, expect, it, vi } from 'vitest';
import { createClient, memoryKeyStorage, type ActiveStackClient } from '../../../src/client/index.js';
import { startEmbeddedGateway, type EmbeddedGateway } from '../../support/embedded-gateway.js';
import { next, record } from './helpers.js';

/**
 * The SDK reads `gatewayDisconnect {reason, resumable}` (PROTOCOL §8)
 * against the real gateway core: it comes back with its key when the
 * gateway says so, and stops, telling the app why, when it says not to.
 */
const fast = { initialMs: 10, maxMs: 50 };
const demoLogin = { credential: { username: 'demo', password: 'demo' } };
let gateway: EmbeddedGateway | undefined;
const clients: ActiveStackClient[] = [];

afterEach(async () => {
  for (const c of clients.splice(0)) c.close();
  await gateway?.close();
  gateway = undefined;
});

async function loggedIn(options: Parameters<typeof startEmbeddedGateway>[0] = {}): Promise<{ gw: EmbeddedGateway; c: ActiveStackClient }> {
  gateway = await startEmbeddedGateway(options);
  const c = createClient({ url: gateway.url, reconnect: fast, storage: memoryKeyStorage() });
  clients.push(c);
  await c.connect();
  await c.request('authenticateUserAccount', demoLogin);
  await vi.waitFor(() => expect(c.session?.userId).toBe('demo-user'));
  return { gw: gateway, c };
}

/**
 * Several times the client's longest retry delay (50 ms): a client that
 * was going to come back has come back by then. Used only to show that
 * nothing happens.
 */
const settle = (): Promise<void> => new Promise((resolve) => setTimeout(resolve, 500));

describe('SDK and gatewayDisconnect', () => {
  it('resumable (server-shutdown): reports the reason and resumes the logged-in session with its key', async () => {
    const { gw, c } = await loggedIn();
    const before = c.session!.clientId;
    const disconnected = next(c, 'disconnect');
    const reconnected = next(c, 'reconnect');
    const closed = record(c, 'closed');
    gw.gateway.disconnectAll('server-shutdown');
    expect((await disconnected)[0]).toBe('server-shutdown');
    const [{ session, restored }] = await reconnected;
    expect(restored).toBe(true);
    expect(session.userId).toBe('demo-user');
    expect(session.clientId).not.toBe(before);
    expect(closed).toEqual([]);
    expect(await c.request('findById', { theClassId: '5' })).toMatchObject({ result: { ID: '5', owner: 'demo-user' } });
  });

  it('logout: a clean stop; no reconnect, the key is forgotten, connect() starts a fresh session', async () => {
    const { gw, c } = await loggedIn();
    const closed = next(c, 'closed');
    const reconnects = record(c, 'reconnect');
    await c.logout();
    expect((await closed)[0]).toEqual({ reason: 'logout', resumable: false });
    expect(c.connected).toBe(false);
    expect(c.session).toBeNull();
    await settle();
    expect(reconnects).toEqual([]);
    expect(gw.gateway.clientCount).toBe(0);

    const session = await c.connect();
    expect(session.userId).toBeUndefined();
    await expect(c.request('findById', { theClassId: '1' })).rejects.toMatchObject({ code: 'UNAUTHENTICATED' });
  });

  it('eol from the backend: stops, says why, and fails the requests still waiting with CLOSED', async () => {
    const { gw, c } = await loggedIn();
    const clientId = c.session!.clientId;
    const closed = next(c, 'closed');
    const disconnected = next(c, 'disconnect');
    // logoutUser reaches the demo agent, which never answers it: the request is still waiting at the EOL.
    const waiting = c.request('logoutUser', {}, { timeout: 10_000 });
    await gw.bus.publish(clientId, Buffer.from(JSON.stringify({ EOL: true, clientId })), { replyTo: '' });
    expect((await closed)[0]).toEqual({ reason: 'eol', resumable: false });
    expect((await disconnected)[0]).toBe('eol');
    await expect(waiting).rejects.toMatchObject({ code: 'CLOSED', message: expect.stringContaining('eol') });
    await settle();
    expect(gw.gateway.clientCount).toBe(0);
    expect(c.connected).toBe(false);
  });

  it('rate-limited: stops instead of coming back to flood again', async () => {
    const { gw, c } = await loggedIn({ rateLimit: { burst: 3, perSecond: 1, disconnectAfter: 3 } });
    const closed = next(c, 'closed');
    const errors = record(c, 'error');
    const flood = Array.from({ length: 12 }, (_, i) => c.request('findById', { theClassId: String(i) }).catch((err: { code: string }) => err.code));
    expect((await closed)[0]).toEqual({ reason: 'rate-limited', resumable: false });
    const outcomes = await Promise.all(flood);
    expect(outcomes).toContain('RATE_LIMITED');
    expect(errors.every(([e]) => e.code !== 'CLOSED')).toBe(true);
    await settle();
    expect(gw.gateway.clientCount).toBe(0);
  });

  it('a socket closed without a notice (network) is resumed as before', async () => {
    const { gw, c } = await loggedIn();
    const reconnected = next(c, 'reconnect');
    gw.app.io.disconnectSockets(true);
    const [{ restored, session }] = await reconnected;
    expect(restored).toBe(true);
    expect(session.userId).toBe('demo-user');
  });
});
