import { describe, expect, it } from 'vitest';
import type { InboundMessage } from '../../../src/domain/inbound-limits.js';
import { CLIENT_ID, NOW, emits, errorCodes, makeClient, publishes, sealed, startedClient, types, userToken } from './client-fixture.js';

const message = (event: string, payload: unknown, bytes = 10, binary = false): InboundMessage => ({ event, payload, bytes, binary });
const held = (id: string) => JSON.stringify({ correspondingMessageId: id });

describe('Client: awaited effects and the inbox', () => {
  it('an awaited effect ends its list; what follows comes with its outcome', () => {
    const { client } = makeClient();
    const first = client.receive(message('message', { connect: {} }), NOW);
    expect(types(first)).toEqual(['consume']);
    expect(client.busy).toBe(true);
    const rest = client.resume({ type: 'consumed', ok: true }, NOW);
    expect(types(rest)).toEqual(['presence', 'emit']);
    expect(client.busy).toBe(false);
  });

  it('inputs that arrive while waiting are handled after the outcome, in arrival order', () => {
    const { client } = makeClient();
    client.receive(message('message', { connect: {} }), NOW);
    expect(client.receive(message('testCall', { messageId: 'a' }), NOW)).toEqual([]);
    expect(client.delivery('d1', JSON.stringify({ cn: 'x.Note' }), NOW)).toEqual([]);
    expect(client.receive(message('testCall', { messageId: 'b' }), NOW)).toEqual([]);
    const after = client.resume({ type: 'consumed', ok: true }, NOW + 5);
    expect(types(after)).toEqual(['presence', 'emit', 'publish', 'emit', 'ackDelivery', 'publish']);
    expect(publishes(after).map((p) => p.body.messageId)).toEqual(['a', 'b']);
  });

  it('a consume failure drops what was to follow and closes the socket as resumable (broker-unavailable)', () => {
    const c = makeClient();
    c.outcomes.consumed = false;
    const effects = c.handleMessage({ reconnect: { reconnectId: sealed({ clientId: 'old', userId: 'u', sid: 's' }) } }, NOW);
    expect(types(effects)).toEqual([
      'checkRevocation', 'watchSid', 'consume', 'log', 'emit', 'emit', 'disconnectSocket',
      'publish', 'cancelConsume', 'presence', 'log', 'dispose',
    ]);
    expect(errorCodes(effects)).toEqual(['AGENT_UNAVAILABLE']);
    // Neither the ReconnectRequest nor a new key: the client comes back with the key it has.
    expect(publishes(effects).map((p) => p.routingKey)).toEqual(['disconnect']);
    expect(emits(effects, 'gatewayConnectAck')).toEqual([]);
    expect(effects[6]).toEqual({ type: 'disconnectSocket', reason: 'broker-unavailable', resumable: true });
  });

  it('a revocation the store did not take yet is logged as a warning and the logout goes on', () => {
    const c = startedClient();
    c.handleDelivery('login', userToken('u1'), NOW);
    c.outcomes.revoked = false;
    const effects = c.handleEvent('logout', {}, NOW);
    const revokeAt = types(effects).indexOf('revoke');
    expect(effects[revokeAt + 1]).toMatchObject({ type: 'log', level: 'warn' });
    expect(effects).toContainEqual({ type: 'disconnectSocket', reason: 'logout', resumable: false });
    expect(effects.at(-1)).toEqual({ type: 'dispose' });
  });

  it('a delivery for a socket that is gone, or being closed, is requeued, never pushed or acked', () => {
    // The socket closed while logout waited on the store: deliveries that were queued behind it go back.
    const { client } = startedClient();
    client.delivery('login', userToken('u1'), NOW);
    const logout = client.receive(message('logout', {}), NOW);
    expect(logout.at(-1)).toMatchObject({ type: 'revoke' });
    expect(client.delivery('late-1', JSON.stringify({ cn: 'x.Note' }), NOW)).toEqual([]);
    client.socketClosed(NOW);
    expect(client.delivery('late-2', held('m'), NOW)).toEqual([]);
    const after = client.resume({ type: 'revoked', ok: true }, NOW);
    // late-1, then the close (which waits for its consumer's cancel), then late-2.
    expect(after.at(-1)).toEqual({ type: 'cancelConsume', discardQueue: false });
    after.push(...client.resume({ type: 'cancelled' }, NOW));
    expect(after.filter((e) => e.type === 'rejectDelivery')).toEqual([
      { type: 'rejectDelivery', delivery: 'late-1', requeue: true },
      { type: 'rejectDelivery', delivery: 'late-2', requeue: true },
    ]);
    expect(after.filter((e) => e.type === 'ackDelivery' || (e.type === 'emit' && e.event === 'push'))).toEqual([]);
  });

  it('deliveries during the cancel of the consumer are nacked after cancel-ok', () => {
    const { client } = startedClient();
    client.delivery('held', held('m'), NOW);
    const close = client.socketClosed(NOW);
    expect(types(close)).toEqual(['publish', 'cancelConsume']);
    expect(close[1]).toEqual({ type: 'cancelConsume', discardQueue: true });
    expect(client.delivery('in-between', held('n'), NOW)).toEqual([]);
    const rest = client.resume({ type: 'cancelled' }, NOW);
    expect(rest.filter((e) => e.type === 'rejectDelivery').map((e) => (e as { delivery: unknown }).delivery)).toEqual(['held', 'in-between']);
    expect(rest.findIndex((e) => e.type === 'dispose')).toBeGreaterThan(rest.findIndex((e) => (e as { delivery?: unknown }).delivery === 'held'));
  });

  it('the queue of a client that was logged in is kept at close (a later session may resume it)', () => {
    const c = startedClient();
    c.handleDelivery('login', userToken('u1'), NOW);
    expect(c.handleEvent('logout', {}, NOW)).toContainEqual({ type: 'cancelConsume', discardQueue: false });
    const resumed = makeClient();
    resumed.handleMessage({ reconnect: { reconnectId: sealed({ clientId: 'old', userId: 'u', sid: 's' }) } }, NOW);
    expect(resumed.close(NOW)).toContainEqual({ type: 'cancelConsume', discardQueue: false });
  });

  it('too much waiting in the inbox is refused like a flood', () => {
    // The rate limit alone would let these in (refilled every ms); the inbox holds at most max(16, burst).
    const { client } = makeClient({ limits: { burst: 16, perSecond: 1_000_000, disconnectAfter: 1 } });
    client.receive(message('message', { connect: {} }), NOW);
    for (let i = 1; i <= 16; i++) expect(client.receive(message('testCall', {}), NOW + i)).toEqual([]);
    expect(errorCodes(client.receive(message('testCall', { messageId: 'x' }), NOW + 17))).toEqual(['RATE_LIMITED']);
    const last = client.receive(message('testCall', {}), NOW + 18);
    expect(last.at(-1)).toEqual({ type: 'disconnectSocket', reason: 'rate-limited', resumable: false });
    // The close waits for the consume to end, then runs after what was waiting.
    const rest = client.resume({ type: 'consumed', ok: true }, NOW + 20);
    expect(types(rest).filter((t) => t === 'publish').length).toBe(17);
    expect(rest.at(-1)).toEqual({ type: 'cancelConsume', discardQueue: true });
  });
});

describe('Client: admission (PROTOCOL §6) and server-side closes (§8)', () => {
  it('refusals name the event and messageId; the one that crosses the limit closes with a notice', () => {
    // connect takes one token, the next message the other.
    const { client } = startedClient({ limits: { maxPayloadBytes: 100, burst: 2, perSecond: 0.001, disconnectAfter: 1 } });
    expect(emits(client.receive(message('testCall', { messageId: 'big' }, 101), NOW))[0]?.data).toMatchObject({
      code: 'PAYLOAD_TOO_LARGE',
      event: 'testCall',
      messageId: 'big',
    });
    client.receive(message('testCall', {}), NOW);
    const cut = client.receive(message('testCall', { messageId: 'm' }), NOW);
    expect(types(cut)).toEqual(['emit', 'log', 'emit', 'disconnectSocket', 'publish', 'cancelConsume']);
    expect(emits(cut, 'gatewayDisconnect')[0]?.data).toEqual({ reason: 'rate-limited', resumable: false });
    // Nothing more is taken from that socket.
    expect(client.receive(message('testCall', {}), NOW + 60_000)).toEqual([]);
  });

  it('a binary message or one without an event is BAD_REQUEST and never forwarded', () => {
    const { client } = startedClient();
    const binary = client.receive(message('testCall', { messageId: 'b' }, 10, true), NOW);
    expect(types(binary)).toEqual(['emit']);
    expect(emits(binary)[0]?.data).toMatchObject({ code: 'BAD_REQUEST', event: 'testCall', messageId: 'b' });
    const undecodable = client.receive({ event: undefined, payload: undefined, bytes: 3, binary: false }, NOW);
    expect(emits(undecodable)[0]?.data).toEqual({ code: 'BAD_REQUEST', message: expect.any(String) });
  });

  it('serverClose tells the client why, once, and closes it at once; the socket close that follows changes nothing', () => {
    const c = startedClient();
    const close = c.serverClose('server-shutdown');
    expect(close.slice(0, 2)).toEqual([
      { type: 'emit', event: 'gatewayDisconnect', data: { reason: 'server-shutdown', resumable: true } },
      { type: 'disconnectSocket', reason: 'server-shutdown', resumable: true },
    ]);
    expect(close).toContainEqual({ type: 'log', level: 'debug', message: 'client closed', detail: { reason: 'server-shutdown' } });
    expect(close.at(-1)).toEqual({ type: 'dispose' });
    expect(c.serverClose('logout')).toEqual([]);
    expect(c.close(NOW)).toEqual([]);
  });

  it('serverClose while an effect is awaited: the notice now, the close once the outcome is back', () => {
    const { client } = makeClient();
    client.receive(message('message', { connect: {} }), NOW);
    expect(types(client.serverClose('server-shutdown', NOW))).toEqual(['emit', 'disconnectSocket']);
    const rest = client.resume({ type: 'consumed', ok: true }, NOW);
    expect(types(rest)).toEqual(['presence', 'emit', 'publish', 'cancelConsume']);
  });

  it('a client that just goes away is not told anything', () => {
    const c = startedClient();
    const close = c.close(NOW);
    expect(emits(close)).toEqual([]);
    expect(close).toContainEqual({ type: 'log', level: 'debug', message: 'client closed', detail: { reason: 'client-gone' } });
    expect(close).toContainEqual({ type: 'presence', clientId: CLIENT_ID, userId: undefined, present: false });
  });
});
