import { describe, expect, it } from 'vitest';
import { CLIENT_ID, NOW, emits, errorCodes, keys, lastKeyState, loggedInClient, makeClient, publishes, startedClient, types } from './client-fixture.js';

describe('Client agent events (§2.2)', () => {
  it('checks in order: NOT_CONNECTED, UNKNOWN_EVENT, BAD_REQUEST, UNAUTHENTICATED — with event and messageId', () => {
    const fresh = makeClient();
    expect(emits(fresh.handleEvent('nope', 'junk', NOW))[0]?.data).toEqual(expect.objectContaining({ code: 'NOT_CONNECTED', event: 'nope' }));
    const c = startedClient();
    expect(emits(c.handleEvent('nope', { messageId: 'm1' }, NOW))[0]?.data).toEqual(
      expect.objectContaining({ code: 'UNKNOWN_EVENT', event: 'nope', messageId: 'm1' }),
    );
    expect(emits(c.handleEvent('findById', 'junk', NOW))[0]?.data).toEqual(expect.objectContaining({ code: 'BAD_REQUEST', event: 'findById' }));
    expect(emits(c.handleEvent('findById', { sendAck: true }, NOW))[0]?.data).toEqual(expect.objectContaining({ code: 'BAD_REQUEST' }));
    expect(emits(c.handleEvent('findById', { sendAck: true, messageId: 5 }, NOW))[0]?.data).toEqual(expect.objectContaining({ code: 'BAD_REQUEST' }));
    expect(emits(c.handleEvent('findById', { messageId: 'm2' }, NOW))[0]?.data).toEqual({
      code: 'UNAUTHENTICATED',
      message: expect.any(String),
      event: 'findById',
      messageId: 'm2',
    });
  });

  it('refused events publish nothing', () => {
    const c = startedClient();
    for (const [event, payload] of [['nope', {}], ['findById', []], ['createObject', {}]] as const) {
      const effects = c.handleEvent(event, payload, NOW);
      expect(types(effects)).toEqual(['emit']);
    }
    expect(types(makeClient().handleEvent('testCall', {}, NOW))).toEqual(['emit']);
  });

  it('forwards an unauthenticated event with clientId stamped and the client fields kept', () => {
    const c = startedClient();
    const effects = c.handleEvent('reauthenticate', { token: 'stored', userId: 'u', clientId: 'spoof', messageId: 'm' }, NOW);
    expect(effects).toEqual([
      {
        type: 'publish',
        routingKey: 'reauthenticate',
        body: { token: 'stored', userId: 'u', clientId: CLIENT_ID, messageId: 'm' },
        replyTo: CLIENT_ID,
        event: 'reauthenticate',
        messageId: 'm',
        sendAck: false,
      },
    ]);
  });

  it('an authenticated event carries the session identity: a client cannot act as another user', () => {
    const c = loggedInClient();
    const [pub] = publishes(c.handleEvent('findById', { userId: 'admin', token: 'forged', deviceId: 'x', clientId: 'y', theClassName: 'P' }, NOW));
    expect(pub?.body).toEqual({ userId: 'u1', token: 'tok-u1', deviceId: 'dev', clientId: CLIENT_ID, theClassName: 'P' });
  });

  it('sendAck: ack with the bare messageId once confirmed; AGENT_UNAVAILABLE when the publish failed, asked or not', () => {
    const c = startedClient();
    const [pub] = publishes(c.handleEvent('testCall', { sendAck: true, messageId: 'm9' }, NOW));
    expect(c.client.publishSettled(pub!, true)).toEqual([{ type: 'emit', event: 'ack', data: 'm9' }]);
    expect(errorCodes(c.client.publishSettled(pub!, false))).toEqual(['AGENT_UNAVAILABLE']);
    const [noAck] = publishes(c.handleEvent('testCall', { sendAck: 'yes', messageId: 'm9' }, NOW));
    expect(c.client.publishSettled(noAck!, true)).toEqual([]);
    expect(emits(c.client.publishSettled(noAck!, false))[0]?.data).toMatchObject({ code: 'AGENT_UNAVAILABLE', event: 'testCall', messageId: 'm9' });
    const [noId] = publishes(c.handleEvent('testCall', {}, NOW));
    expect(emits(c.client.publishSettled(noId!, false))[0]?.data).not.toHaveProperty('messageId');
    // A request the gateway composed is nobody's to be told about.
    const [composed] = publishes(c.handleMessage({ hibernate: {} }, NOW));
    expect(c.client.publishSettled(composed!, false)).toEqual([]);
  });
});

describe('Client logout (§2.4)', () => {
  it('logged in: forward, DisconnectRequest(auth) built before clearing, revoke sid, logged-out key, presence, disconnect, close', () => {
    const c = loggedInClient();
    const sid = c.session.state.sid;
    expect(sid).toEqual(expect.any(String));
    const effects = c.handleEvent('logout', { messageId: 'L' }, NOW);
    expect(types(effects)).toEqual([
      'publish', 'publish', 'watchSid', 'revoke', 'emit', 'presence', 'emit', 'disconnectSocket',
      // and the close at once, as for any socket that goes (§2.4)
      'publish', 'cancelConsume', 'presence', 'log', 'dispose',
    ]);
    expect(publishes(effects, 'logout')[0]?.body).toMatchObject({ userId: 'u1', clientId: CLIENT_ID });
    expect(publishes(effects, 'disconnectAuth')[0]?.body).toEqual({
      clientId: CLIENT_ID,
      userId: 'u1',
      token: 'tok-u1',
      deviceId: 'dev',
      cn: 'com.percero.agents.auth.vo.DisconnectRequest',
    });
    // The marker lives as long as any key of the login could: max age plus the allowed clock skew.
    expect(effects[2]).toEqual({ type: 'watchSid', sid: undefined });
    expect(effects[3]).toEqual({ type: 'revoke', sid, ttlMs: keys.revocationTtlMs });
    expect(keys.revocationTtlMs).toBeGreaterThan(7 * 86_400_000);
    expect(lastKeyState(effects)).toEqual({ clientId: CLIENT_ID, deviceId: 'dev' });
    expect(effects[5]).toEqual({ type: 'presence', clientId: CLIENT_ID, userId: undefined, present: true });
    expect(effects[6]).toEqual({ type: 'emit', event: 'gatewayDisconnect', data: { reason: 'logout', resumable: false } });
    expect(effects[7]).toEqual({ type: 'disconnectSocket', reason: 'logout', resumable: false });
    expect(c.session.isLoggedIn).toBe(false);
    expect(c.closed).toBe(true);
  });

  it('logged in, whatever the payload: a bad one is refused as an event but the logout still happens', () => {
    const c = loggedInClient();
    const effects = c.handleEvent('logout', 'junk', NOW);
    expect(errorCodes(effects)).toEqual(['BAD_REQUEST']);
    expect(types(effects)).toContain('revoke');
    expect(effects).toContainEqual({ type: 'disconnectSocket', reason: 'logout', resumable: false });
  });

  it('not logged in: nothing to agents, just disconnect', () => {
    const c = startedClient();
    const effects = c.handleEvent('logout', {}, NOW);
    expect(errorCodes(effects)).toEqual(['UNAUTHENTICATED']);
    // Nothing to agents but the DisconnectRequest every closed socket sends.
    expect(publishes(effects).map((p) => p.routingKey)).toEqual(['disconnect']);
    expect(effects).toContainEqual({ type: 'disconnectSocket', reason: 'logout', resumable: false });
    const notStarted = makeClient();
    expect(types(notStarted.handleEvent('logout', {}, NOW))).toEqual(['emit', 'emit', 'disconnectSocket', 'publish', 'log', 'dispose']);
  });

  it('a key from before the logout still carries the revoked sid; the one after has none', () => {
    const c = loggedInClient();
    const before = keys.seal(c.session.state, NOW);
    const sid = c.session.state.sid;
    const effects = c.handleEvent('logout', {}, NOW);
    const opened = keys.open(before, NOW);
    expect(opened.ok && opened.state.sid).toBe(sid);
    expect(lastKeyState(effects).sid).toBeUndefined();
  });
});
