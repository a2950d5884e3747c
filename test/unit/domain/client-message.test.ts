import { describe, expect, it } from 'vitest';
import { reconnectIdOf } from '../../../src/domain/client.js';
import { Session } from '../../../src/domain/session.js';
import { CLIENT_ID, NOW, emits, errorCodes, keys, lastKeyState, makeClient, publishes, sealed, startedClient, types } from './client-fixture.js';

describe('Client special message `message` (§2.1)', () => {
  it('connect starts: consume the reply queue, presence, then the first key', () => {
    const c = makeClient();
    const effects = c.handleMessage({ connect: {} }, NOW);
    expect(types(effects)).toEqual(['consume', 'presence', 'emit']);
    expect(effects[0]).toEqual({ type: 'consume', queue: CLIENT_ID });
    expect(effects[1]).toEqual({ type: 'presence', clientId: CLIENT_ID, userId: undefined, present: true });
    expect(lastKeyState(effects)).toEqual({ clientId: CLIENT_ID });
    expect(c.started).toBe(true);
    expect(c.session.isDirty).toBe(false);
  });

  it('a payload that is not a plain object gets BAD_REQUEST', () => {
    const c = makeClient();
    for (const bad of [null, undefined, 'connect', 3, ['connect'], new Date(), new (class X {})()]) {
      const effects = c.handleMessage(bad, NOW);
      expect(errorCodes(effects)).toEqual(['BAD_REQUEST']);
      expect(emits(effects, 'gatewayError')[0]?.data).not.toHaveProperty('event');
    }
    expect(c.started).toBe(false);
  });

  it('a null-prototype object is accepted', () => {
    const payload = Object.create(null) as Record<string, unknown>;
    payload.connect = {};
    expect(makeClient().handleMessage(payload, NOW)[0]).toMatchObject({ type: 'consume' });
  });

  it('connect or reconnect on a started client gets BAD_REQUEST and changes nothing', () => {
    const c = startedClient();
    expect(c.handleMessage({ connect: {} }, NOW)).toEqual([expect.objectContaining({ type: 'emit', event: 'gatewayError' })]);
    const effects = c.handleMessage({ reconnect: { reconnectId: sealed({ clientId: 'old', userId: 'x' }) } }, NOW);
    expect(errorCodes(effects)).toEqual(['BAD_REQUEST']);
    expect(types(effects)).toEqual(['emit']);
    expect(c.session.isLoggedIn).toBe(false);
    expect(c.session.state.existingClientId).toBeUndefined();
  });

  it('unknown keys are ignored with one warning per message, known ones still run in order', () => {
    const c = makeClient();
    const effects = c.handleMessage({ hello: 1, connect: {}, __proto__x: 2 }, NOW);
    expect(types(effects)).toEqual(['consume', 'presence', 'log', 'emit']);
    expect(effects[2]).toMatchObject({ level: 'warn', detail: { count: 2, keys: ['hello', '__proto__x'] } });
  });

  it('50,000 unknown keys make one short warning, not 50,000', () => {
    const payload: Record<string, number> = {};
    for (let i = 0; i < 50_000; i++) payload[`k${i}${'x'.repeat(100)}`] = i;
    const effects = startedClient().handleMessage(payload, NOW);
    const logs = effects.filter((e) => e.type === 'log');
    expect(logs).toHaveLength(1);
    expect(JSON.stringify(logs[0]).length).toBeLessThan(400);
    expect(logs[0]).toMatchObject({ detail: { count: 50_000 } });
  });

  it('a parsed __proto__ key is just an unknown key', () => {
    const payload = JSON.parse('{"__proto__":{"connect":{}}}') as unknown;
    const c = makeClient();
    expect(types(c.handleMessage(payload, NOW))).toEqual(['log']);
    expect(c.started).toBe(false);
    expect(({} as Record<string, unknown>).connect).toBeUndefined();
  });

  it('ack and hibernate before start get NOT_CONNECTED', () => {
    const c = makeClient();
    expect(errorCodes(c.handleMessage({ ack: { correspondingMessageId: 'm' } }, NOW))).toEqual(['NOT_CONNECTED']);
    expect(errorCodes(c.handleMessage({ hibernate: {} }, NOW))).toEqual(['NOT_CONNECTED']);
  });

  it('keys are handled in order: ack before connect fails, ack after connect works', () => {
    const c = makeClient();
    const effects = c.handleMessage({ ack: { correspondingMessageId: 'm' }, connect: {} }, NOW);
    expect(errorCodes(effects)).toEqual(['NOT_CONNECTED']);
    expect(c.started).toBe(true);
    const c2 = makeClient();
    const e2 = c2.handleMessage({ connect: {}, ack: { correspondingMessageId: 'm' } }, NOW);
    expect(errorCodes(e2)).toEqual([]);
    expect(e2.find((e) => e.type === 'log')).toMatchObject({ level: 'warn', detail: { correspondingMessageId: 'm' } });
  });

  it('ack of a bad shape gets BAD_REQUEST', () => {
    const c = startedClient();
    for (const bad of [null, 'm', { correspondingMessageId: 5 }, {}, ['m']]) {
      expect(errorCodes(c.handleMessage({ ack: bad }, NOW))).toEqual(['BAD_REQUEST']);
    }
  });

  it('hibernate sends a HibernateRequest to agent `hibernate`', () => {
    const c = startedClient();
    const effects = c.handleMessage({ hibernate: true }, NOW);
    expect(publishes(effects)).toEqual([
      {
        type: 'publish',
        routingKey: 'hibernate',
        body: { clientId: CLIENT_ID, cn: 'com.percero.agents.sync.vo.HibernateRequest' },
        replyTo: CLIENT_ID,
      },
    ]);
    expect(emits(effects, 'gatewayConnectAck')).toEqual([]);
  });

  describe('reconnect', () => {
    const oldState = { clientId: 'bbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbb', userId: 'u1', token: 't', deviceId: 'd', sid: 's1', loginAt: NOW - 1000, existingClientIds: ['c0'] };

    it('a valid key of a logged-in session: new clientId kept, old one becomes history, queue consumed before ReconnectRequest', () => {
      const c = makeClient();
      const effects = c.handleMessage({ reconnect: { reconnectId: sealed(oldState) } }, NOW);
      expect(types(effects)).toEqual(['checkRevocation', 'watchSid', 'consume', 'presence', 'publish', 'emit']);
      expect(effects[1]).toEqual({ type: 'watchSid', sid: 's1' });
      expect(effects[2]).toEqual({ type: 'consume', queue: CLIENT_ID });
      expect(effects[3]).toEqual({ type: 'presence', clientId: CLIENT_ID, userId: 'u1', present: true });
      expect(publishes(effects, 'reconnect')[0]?.body).toEqual({
        clientId: CLIENT_ID,
        existingClientId: oldState.clientId,
        existingClientIds: ['c0', oldState.clientId],
        userId: 'u1',
        token: 't',
        deviceId: 'd',
        cn: 'com.percero.agents.sync.vo.ReconnectRequest',
      });
      expect(c.clientId).toBe(CLIENT_ID);
      expect(lastKeyState(effects)).toEqual({ ...oldState, clientId: CLIENT_ID, existingClientId: oldState.clientId, existingClientIds: ['c0', oldState.clientId] });
    });

    it('a valid key of a logged-out session sends nothing to agents', () => {
      const c = makeClient();
      const effects = c.handleMessage({ reconnect: { reconnectId: sealed({ clientId: 'old' }) } }, NOW);
      expect(publishes(effects)).toEqual([]);
      expect(lastKeyState(effects)).toMatchObject({ clientId: CLIENT_ID, existingClientId: 'old' });
    });

    it('a revoked key: INVALID_RECONNECT_KEY first, then a fresh logged-out connect', () => {
      const c = makeClient();
      c.outcomes.revocation = 'revoked';
      const key = sealed(oldState);
      const effects = c.handleMessage({ reconnect: { reconnectId: key } }, NOW);
      expect(types(effects)).toEqual(['checkRevocation', 'log', 'emit', 'consume', 'presence', 'emit']);
      expect(effects[0]).toEqual({ type: 'checkRevocation', sid: 's1' });
      expect(effects[1]).toMatchObject({ detail: { reason: 'revoked' } });
      expect(JSON.stringify(effects)).not.toContain(key.split(';')[1]);
      expect(errorCodes(effects)).toEqual(['INVALID_RECONNECT_KEY']);
      expect(lastKeyState(effects)).toEqual({ clientId: CLIENT_ID });
      expect(c.session.isLoggedIn).toBe(false);
    });

    it('a key whose revocation cannot be checked is neither accepted nor refused: AGENT_UNAVAILABLE, then a resumable close', () => {
      const c = makeClient();
      c.outcomes.revocation = 'unavailable';
      const effects = c.handleMessage({ reconnect: { reconnectId: sealed(oldState) }, hibernate: {} }, NOW);
      expect(types(effects)).toEqual(['checkRevocation', 'log', 'emit', 'emit', 'disconnectSocket', 'publish', 'log', 'dispose']);
      expect(errorCodes(effects)).toEqual(['AGENT_UNAVAILABLE']);
      expect(emits(effects, 'gatewayDisconnect')[0]?.data).toEqual({ reason: 'store-unavailable', resumable: true });
      expect(effects[4]).toEqual({ type: 'disconnectSocket', reason: 'store-unavailable', resumable: true });
      expect(c.started).toBe(false);
      expect(emits(effects, 'gatewayConnectAck')).toEqual([]);
      // It had no queue yet: nothing to cancel. The socket's own close that follows changes nothing.
      expect(c.close(NOW)).toEqual([]);
    });

    it('a key without a login is not checked for revocation', () => {
      const effects = makeClient().handleMessage({ reconnect: { reconnectId: sealed({ clientId: 'old', deviceId: 'd' }) } }, NOW);
      expect(types(effects)).not.toContain('checkRevocation');
    });

    it('the keys after a checked reconnect key run once the check is back, in order', () => {
      const c = makeClient();
      const effects = c.handleMessage({ reconnect: { reconnectId: sealed(oldState) }, hibernate: {} }, NOW);
      expect(types(effects)).toEqual(['checkRevocation', 'watchSid', 'consume', 'presence', 'publish', 'publish', 'emit']);
      expect(publishes(effects).map((p) => p.routingKey)).toEqual(['reconnect', 'hibernate']);
    });

    it('a malformed value is an invalid key too', () => {
      for (const value of [null, 'key', {}, { reconnectId: 5 }, [], JSON.parse(`{"__proto__":{"reconnectId":${JSON.stringify(sealed(oldState))}}}`)]) {
        const c = makeClient();
        const effects = c.handleMessage({ reconnect: value }, NOW);
        expect(errorCodes(effects)).toEqual(['INVALID_RECONNECT_KEY']);
        expect(c.session.isLoggedIn).toBe(false);
        expect(c.started).toBe(true);
      }
      const c = makeClient();
      expect(errorCodes(c.handleMessage({ reconnect: { reconnectId: 'k' } }, NOW))).toEqual(['INVALID_RECONNECT_KEY']);
    });

    it('reconnectIdOf reads only a well-formed value', () => {
      expect(reconnectIdOf({ reconnect: { reconnectId: 'abc', other: 1 } })).toBe('abc');
      expect(reconnectIdOf({ reconnect: { reconnectId: 1 } })).toBeUndefined();
      expect(reconnectIdOf({ reconnect: null })).toBeUndefined();
      expect(reconnectIdOf({ connect: {} })).toBeUndefined();
      expect(reconnectIdOf('x')).toBeUndefined();
      expect(reconnectIdOf(JSON.parse('{"reconnect":{"__proto__":{"reconnectId":"p"}}}'))).toBeUndefined();
    });

    it('a real key from a previous connection resumes end to end', () => {
      const first = makeClient({}, 'cccccccccccccccccccccccccccccccc');
      first.handleMessage({ connect: {} }, NOW);
      const key = keys.seal(Session.resumed({ clientId: 'x' }, first.clientId).state, NOW);
      const payload = { reconnect: { reconnectId: key } };
      expect(reconnectIdOf(payload)).toBe(key);
      const c = makeClient();
      const effects = c.handleMessage(payload, NOW + 5);
      expect(lastKeyState(effects, NOW + 5)).toMatchObject({ clientId: CLIENT_ID, existingClientIds: ['x', first.clientId] });
    });
  });

  it('at most one gatewayConnectAck per payload', () => {
    const c = makeClient();
    const effects = c.handleMessage({ connect: {}, hibernate: {}, ack: { correspondingMessageId: 'z' } }, NOW);
    expect(emits(effects, 'gatewayConnectAck')).toHaveLength(1);
    expect(emits(c.handleMessage({ hibernate: {} }, NOW), 'gatewayConnectAck')).toHaveLength(0);
  });

  it('a closed client ignores messages', () => {
    const c = startedClient();
    c.close(NOW);
    expect(c.handleMessage({ hibernate: {} }, NOW)).toEqual([]);
  });
});
