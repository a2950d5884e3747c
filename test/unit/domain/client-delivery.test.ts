import { describe, expect, it } from 'vitest';
import type { Effect } from '../../../src/domain/effects.js';
import { CLIENT_ID, NOW, emits, lastKeyState, loggedInClient, makeClient, publishes, sealed, startedClient, types, userToken } from './client-fixture.js';

const push = (body: Record<string, unknown>) => JSON.stringify(body);
const acks = (effects: Effect[]) => effects.filter((e) => e.type === 'ackDelivery').map((e) => (e as { delivery: unknown }).delivery);
const rejects = (effects: Effect[]) =>
  effects.filter((e) => e.type === 'rejectDelivery').map((e) => [(e as { delivery: unknown }).delivery, (e as { requeue: boolean }).requeue]);

describe('Client reply queue (§3.3)', () => {
  it('a plain message is pushed, then acknowledged', () => {
    const c = startedClient();
    const effects = c.handleDelivery('d1', Buffer.from(push({ cn: 'x.FindByIdResponse', result: 1 })), NOW);
    expect(effects).toEqual([
      { type: 'emit', event: 'push', data: { cn: 'x.FindByIdResponse', result: 1 } },
      { type: 'ackDelivery', delivery: 'd1' },
    ]);
    expect(c.heldCount).toBe(0);
  });

  it('not JSON or not an object: logged and rejected without requeue', () => {
    const c = startedClient();
    for (const body of ['not json', '[1,2]', '"s"', 'null', '42', Buffer.from([0xff, 0xfe])]) {
      const effects = c.handleDelivery('bad', body, NOW);
      expect(types(effects)).toEqual(['log', 'count', 'rejectDelivery']);
      expect(rejects(effects)).toEqual([['bad', false]]);
    }
    expect(c.closed).toBe(false);
  });

  it('after the socket is gone nothing is acknowledged: requeued for the next session', () => {
    const c = startedClient();
    c.close(NOW);
    expect(c.handleDelivery('late', push({ a: 1 }), NOW)).toEqual([{ type: 'rejectDelivery', delivery: 'late', requeue: true }]);
  });

  describe('EOL', () => {
    it('for another clientId: acknowledged and ignored', () => {
      const c = startedClient();
      expect(c.handleDelivery('e', push({ EOL: true, clientId: 'someone-else' }), NOW)).toEqual([{ type: 'ackDelivery', delivery: 'e' }]);
      expect(c.closed).toBe(false);
    });

    it('for this client: acknowledged, the client told and its socket closed, then the whole close, disposed last', () => {
      const c = startedClient();
      c.handleDelivery('held', push({ correspondingMessageId: 'm', x: 1 }), NOW);
      const effects = c.handleDelivery('e', push({ EOL: true, clientId: CLIENT_ID }), NOW);
      expect(types(effects)).toEqual([
        'ackDelivery', 'emit', 'disconnectSocket', 'publish', 'cancelConsume', 'rejectDelivery', 'cancelSchedule', 'presence', 'log', 'dispose',
      ]);
      expect(acks(effects)).toEqual(['e']);
      expect(rejects(effects)).toEqual([['held', true]]);
      expect(emits(effects, 'gatewayDisconnect')[0]?.data).toEqual({ reason: 'eol', resumable: false });
      expect(effects).toContainEqual({ type: 'disconnectSocket', reason: 'eol', resumable: false });
      expect(c.closed).toBe(true);
      expect(c.close(NOW)).toEqual([]);
    });

    it('without a clientId it is for this client', () => {
      const c = startedClient();
      expect(types(c.handleDelivery('e', push({ EOL: 1 }), NOW))).toContain('dispose');
    });

    it('a reply queue only unavailable (its broker node down) closes the client resumable: it comes back with its key', () => {
      const c = startedClient();
      const effects = c.handleConsumerCancelled(NOW, false);
      expect(effects).toContainEqual({ type: 'emit', event: 'gatewayDisconnect', data: { reason: 'broker-unavailable', resumable: true } });
      expect(effects).toContainEqual({ type: 'disconnectSocket', reason: 'broker-unavailable', resumable: true });
      expect(effects.at(-1)).toEqual({ type: 'dispose', reason: 'broker-unavailable' });
    });

    it('the broker cancelling the consumer of a deleted reply queue ends the client the same way', () => {
      const c = startedClient();
      const effects = c.handleConsumerCancelled(NOW);
      expect(effects).toContainEqual({ type: 'disconnectSocket', reason: 'eol', resumable: false });
      expect(effects.at(-1)).toEqual({ type: 'dispose', reason: 'eol' });
      expect(c.handleConsumerCancelled(NOW)).toEqual([]);
    });
  });

  describe('session changes', () => {
    it('UserToken logs in: ConnectRequest, presence, push, new key, ack', () => {
      const c = startedClient();
      const effects = c.handleDelivery('d', userToken('u7'), NOW);
      expect(types(effects)).toEqual(['watchSid', 'publish', 'presence', 'emit', 'emit', 'ackDelivery']);
      expect(effects[0]).toEqual({ type: 'watchSid', sid: c.session.state.sid });
      expect(publishes(effects, 'connect')[0]?.body).toEqual({ clientId: CLIENT_ID, userId: 'u7', token: 'tok-u7', deviceId: 'dev', cn: 'com.percero.agents.sync.vo.ConnectRequest' });
      expect(effects[2]).toEqual({ type: 'presence', clientId: CLIENT_ID, userId: 'u7', present: true });
      expect(emits(effects)[0]?.event).toBe('push');
      expect(lastKeyState(effects)).toMatchObject({ clientId: CLIENT_ID, userId: 'u7', token: 'tok-u7', sid: expect.any(String) });
    });

    it('an auth response logs in; without a user nothing changes', () => {
      const c = startedClient();
      const none = c.handleDelivery('d', push({ cn: 'a.AuthenticationResponse', result: {} }), NOW);
      expect(types(none)).toEqual(['emit', 'ackDelivery']);
      const effects = c.handleDelivery('d', push({ cn: 'a.AuthenticateOAuthCodeResponse', result: { user: { id: 'u8' }, token: 'T' } }), NOW);
      expect(c.session.state).toMatchObject({ userId: 'u8', token: 'T' });
      expect(emits(effects, 'gatewayConnectAck')).toHaveLength(1);
    });

    it('login after a reconnect sends a ReconnectRequest; ReconnectResponse clears existingClientId', () => {
      const c = makeClient();
      c.handleMessage({ reconnect: { reconnectId: sealed({ clientId: 'old' }) } }, NOW);
      const login = c.handleDelivery('d', userToken('u1'), NOW);
      expect(publishes(login).map((p) => p.routingKey)).toEqual(['reconnect']);
      const resp = c.handleDelivery('r', push({ cn: 'a.ReconnectResponse', clientId: CLIENT_ID }), NOW);
      expect(types(resp)).toEqual(['emit', 'emit', 'ackDelivery']);
      expect(lastKeyState(resp)).toMatchObject({ userId: 'u1', existingClientIds: ['old'] });
      expect(lastKeyState(resp).existingClientId).toBeUndefined();
      expect(publishes(c.handleDelivery('d2', userToken('u1'), NOW)).map((p) => p.routingKey)).toEqual(['connect']);
    });

    it('ReconnectResponse without clientId logs out too', () => {
      const c = makeClient();
      c.handleMessage({ reconnect: { reconnectId: sealed({ clientId: 'old', userId: 'u', sid: 's' }) } }, NOW);
      const effects = c.handleDelivery('r', push({ cn: 'a.ReconnectResponse' }), NOW);
      expect(effects[0]).toEqual({ type: 'presence', clientId: CLIENT_ID, userId: undefined, present: true });
      expect(lastKeyState(effects)).toEqual({ clientId: CLIENT_ID, existingClientIds: ['old'] });
    });

    it('ConnectResponse without clientId logs out; with one changes nothing', () => {
      const c = loggedInClient();
      const same = c.handleDelivery('d', push({ cn: 'a.ConnectResponse', clientId: CLIENT_ID }), NOW);
      expect(types(same)).toEqual(['emit', 'ackDelivery']);
      const out = c.handleDelivery('d', push({ cn: 'a.ConnectResponse' }), NOW);
      expect(types(out)).toEqual(['presence', 'watchSid', 'emit', 'emit', 'ackDelivery']);
      expect(out).toContainEqual({ type: 'watchSid', sid: undefined });
      expect(c.session.isLoggedIn).toBe(false);
    });
  });
});

describe('Client resend of unacknowledged pushes (§3.3 step 5)', () => {
  const held = (id: string, extra: Record<string, unknown> = {}) => push({ correspondingMessageId: id, ...extra });

  it('holds the delivery, arms one timer, and releases every delivery with the id on ack', () => {
    const c = startedClient({ resendIntervalMs: 1000 });
    const first = c.handleDelivery('d1', held('m'), NOW);
    expect(types(first)).toEqual(['emit', 'schedule']);
    expect(first[1]).toEqual({ type: 'schedule', delayMs: 1000 });
    expect(types(c.handleDelivery('d2', held('m'), NOW + 100))).toEqual(['emit']);
    expect(types(c.handleDelivery('d3', held('other'), NOW + 200))).toEqual(['emit']);
    expect(c.heldCount).toBe(3);
    const ack = c.handleMessage({ ack: { correspondingMessageId: 'm' } }, NOW + 300);
    expect(acks(ack)).toEqual(['d1', 'd2']);
    expect(c.heldCount).toBe(1);
    // The last ack leaves the timer to run out: a timer per acked push would cost more than a no-op tick.
    expect(c.handleMessage({ ack: { correspondingMessageId: 'other' } }, NOW + 300)).toEqual([{ type: 'ackDelivery', delivery: 'd3', ackWaitMs: 100 }]);
    expect(c.heldCount).toBe(0);
    expect(c.tick(NOW + 1000)).toEqual([]);
    // The next held push arms it again.
    expect(types(c.handleDelivery('d4', held('next'), NOW + 1100))).toEqual(['emit', 'schedule']);
  });

  it('re-emits the same push every interval counted from the first emit', () => {
    const c = startedClient({ resendIntervalMs: 1000, maxResends: 0 });
    c.handleDelivery('d1', held('a', { n: 1 }), NOW);
    c.handleDelivery('d2', held('b', { n: 2 }), NOW + 400);
    const t1 = c.tick(NOW + 1000);
    expect(t1).toEqual([
      { type: 'emit', event: 'push', data: { correspondingMessageId: 'a', n: 1 }, resend: true },
      { type: 'schedule', delayMs: 400 },
    ]);
    const t2 = c.tick(NOW + 1400);
    expect(emits(t2, 'push').map((e) => e.data)).toEqual([{ correspondingMessageId: 'b', n: 2 }]);
    expect(t2.at(-1)).toEqual({ type: 'schedule', delayMs: 600 });
    // A late timer re-sends once and keeps the original rhythm.
    const late = c.tick(NOW + 3500);
    expect(emits(late, 'push')).toHaveLength(2);
    expect(late.at(-1)).toEqual({ type: 'schedule', delayMs: 500 });
    // An early or spurious tick re-sends nothing and re-arms.
    expect(c.tick(NOW + 3600)).toEqual([{ type: 'schedule', delayMs: 400 }]);
  });

  it('unlimited resends with maxResends 0', () => {
    const c = startedClient({ resendIntervalMs: 10, maxResends: 0 });
    c.handleDelivery('d', held('m'), NOW);
    for (let i = 1; i <= 50; i++) expect(emits(c.tick(NOW + i * 10), 'push')).toHaveLength(1);
    expect(c.closed).toBe(false);
  });

  it('a re-send beyond maxResends closes the socket as resumable; the close returns the deliveries', () => {
    const c = startedClient({ resendIntervalMs: 1000, maxResends: 2 });
    c.handleDelivery('d', held('m'), NOW);
    expect(emits(c.tick(NOW + 1000), 'push')).toHaveLength(1);
    expect(emits(c.tick(NOW + 2000), 'push')).toHaveLength(1);
    // The client is told, its socket closed, and its close runs at once: the held delivery goes back.
    const close = c.tick(NOW + 3000);
    expect(close.slice(0, 2)).toEqual([
      { type: 'emit', event: 'gatewayDisconnect', data: { reason: 'resend-limit', resumable: true } },
      { type: 'disconnectSocket', reason: 'resend-limit', resumable: true },
    ]);
    expect(c.tick(NOW + 4000)).toEqual([]);
    expect(c.close(NOW + 3001)).toEqual([]);
    expect(rejects(close)).toEqual([['d', true]]);
    expect(types(close)).not.toContain('cancelSchedule');
  });

  it('a new resend interval applies from the next arming', () => {
    const c = startedClient({ resendIntervalMs: 1000, maxResends: 0 });
    c.handleDelivery('d', held('m'), NOW);
    c.setResendInterval(500);
    expect(c.tick(NOW + 1000)).toEqual([
      { type: 'emit', event: 'push', data: { correspondingMessageId: 'm' }, resend: true },
      { type: 'schedule', delayMs: 500 },
    ]);
    expect(() => c.setResendInterval(0)).toThrow(RangeError);
    expect(() => c.setResendInterval(Number.NaN)).toThrow(RangeError);
  });
});

describe('Client close (§2.4)', () => {
  it('DisconnectRequest(sync), cancel the consumer, then requeue held deliveries, clear the timer, absent, dispose last', () => {
    const c = makeClient();
    c.handleMessage({ reconnect: { reconnectId: sealed({ clientId: 'old', userId: 'u', sid: 's' }) } }, NOW);
    c.handleDelivery('h1', push({ correspondingMessageId: 'a' }), NOW);
    c.handleDelivery('h2', push({ correspondingMessageId: 'b' }), NOW);
    const effects = c.close(NOW + 10);
    expect(types(effects)).toEqual(['publish', 'cancelConsume', 'rejectDelivery', 'rejectDelivery', 'cancelSchedule', 'presence', 'log', 'dispose']);
    expect(effects[0]).toEqual({
      type: 'publish',
      routingKey: 'disconnect',
      body: { clientId: CLIENT_ID, userId: 'u', cn: 'com.percero.agents.sync.vo.DisconnectRequest' },
      replyTo: CLIENT_ID,
    });
    expect(rejects(effects)).toEqual([
      ['h1', true],
      ['h2', true],
    ]);
    expect(effects).toContainEqual({ type: 'presence', clientId: CLIENT_ID, userId: 'u', present: false });
  });

  it('leaves no timer and no held delivery behind, and is idempotent', () => {
    const c = startedClient();
    expect(types(c.handleDelivery('h', push({ correspondingMessageId: 'a' }), NOW))).toContain('schedule');
    expect(types(c.close(NOW))).toContain('cancelSchedule');
    expect(c.heldCount).toBe(0);
    expect(c.closed).toBe(true);
    expect(c.close(NOW)).toEqual([]);
    expect(c.tick(NOW + 10_000)).toEqual([]);
    expect(c.handleEvent('testCall', {}, NOW)).toEqual([]);
  });

  it('a never-started client only tells the agent and is disposed', () => {
    const c = makeClient();
    expect(types(c.close(NOW))).toEqual(['publish', 'log', 'dispose']);
  });
});
