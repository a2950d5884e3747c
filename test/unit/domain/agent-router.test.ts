import { describe, expect, it } from 'vitest';
import { AgentRouter, DEFAULT_AUTHENTICATED_EVENTS, DEFAULT_UNAUTHENTICATED_EVENTS } from '../../../src/domain/agent-router.js';
import { Session } from '../../../src/domain/session.js';

const router = new AgentRouter();

describe('AgentRouter.classify', () => {
  it('knows the §2.2 default lists', () => {
    expect(DEFAULT_UNAUTHENTICATED_EVENTS).toHaveLength(14);
    expect(DEFAULT_AUTHENTICATED_EVENTS).toHaveLength(22);
    for (const e of DEFAULT_UNAUTHENTICATED_EVENTS) expect(router.classify(e)).toBe('unauthenticated');
    for (const e of DEFAULT_AUTHENTICATED_EVENTS) expect(router.classify(e)).toBe('authenticated');
    expect(router.classify('reauthenticate')).toBe('unauthenticated');
    expect(router.classify('logout')).toBe('authenticated');
    expect(router.classify('message')).toBe('unknown');
    expect(router.classify('__proto__')).toBe('unknown');
    expect(router.classify('toString')).toBe('unknown');
  });

  it('takes the lists from configuration', () => {
    const custom = new AgentRouter({ unauthenticatedEvents: ['ping'], authenticatedEvents: ['doIt', 'ping'] });
    expect(custom.classify('ping')).toBe('authenticated');
    expect(custom.classify('doIt')).toBe('authenticated');
    expect(custom.classify('findById')).toBe('unknown');
  });
});

describe('AgentRouter.interpretReply (§3.3)', () => {
  it('EOL for this client, for nobody in particular, or for another client', () => {
    expect(router.interpretReply({ EOL: true, clientId: 'me' }, 'me')).toEqual({ kind: 'eol', ignore: false });
    expect(router.interpretReply({ EOL: 1 }, 'me')).toEqual({ kind: 'eol', ignore: false });
    expect(router.interpretReply({ EOL: true, clientId: '' }, 'me')).toEqual({ kind: 'eol', ignore: false });
    expect(router.interpretReply({ EOL: true, clientId: 7 }, 'me')).toEqual({ kind: 'eol', ignore: false });
    expect(router.interpretReply({ EOL: true, clientId: 'other' }, 'me')).toEqual({ kind: 'eol', ignore: true });
    expect(router.interpretReply({ EOL: false, clientId: 'me' }, 'me')).toEqual({ kind: 'plain' });
  });

  it('UserToken logs in from user.ID or user.id', () => {
    expect(router.interpretReply({ cn: 'com.percero.agents.auth.vo.UserToken', user: { ID: 'u1' }, token: 't', deviceId: 'd' }, 'me')).toEqual({
      kind: 'login',
      login: { userId: 'u1', token: 't', deviceId: 'd' },
    });
    expect(router.interpretReply({ cn: 'UserToken', user: { id: 'u2' } }, 'me')).toEqual({ kind: 'login', login: { userId: 'u2' } });
    expect(router.interpretReply({ cn: 'x.UserToken', user: {} }, 'me')).toEqual({ kind: 'plain' });
    expect(router.interpretReply({ cn: 'x.UserToken' }, 'me')).toEqual({ kind: 'plain' });
  });

  it('the four auth responses log in from result.user, and without a user change nothing', () => {
    for (const name of ['AuthenticateUserAccountResponse', 'AuthenticateOAuthCodeResponse', 'AuthenticateOAuthAccessTokenResponse', 'AuthenticationResponse']) {
      expect(router.interpretReply({ cn: `com.percero.agents.auth.vo.${name}`, result: { user: { ID: 'u' }, token: 't', deviceId: 'd' } }, 'me')).toEqual({
        kind: 'login',
        login: { userId: 'u', token: 't', deviceId: 'd' },
      });
      expect(router.interpretReply({ cn: name, result: { user: { id: 'v' } } }, 'me')).toEqual({ kind: 'login', login: { userId: 'v' } });
      expect(router.interpretReply({ cn: name, result: null }, 'me')).toEqual({ kind: 'plain' });
      expect(router.interpretReply({ cn: name, result: { token: 't' } }, 'me')).toEqual({ kind: 'plain' });
    }
  });

  it('ConnectResponse without clientId logs out; ReconnectResponse always clears, logs out without clientId', () => {
    expect(router.interpretReply({ cn: 'a.ConnectResponse' }, 'me')).toEqual({ kind: 'logout' });
    expect(router.interpretReply({ cn: 'a.ConnectResponse', clientId: 'me' }, 'me')).toEqual({ kind: 'plain' });
    expect(router.interpretReply({ cn: 'a.ReconnectResponse' }, 'me')).toEqual({ kind: 'reconnect-response', logout: true });
    expect(router.interpretReply({ cn: 'a.ReconnectResponse', clientId: 'me' }, 'me')).toEqual({ kind: 'reconnect-response', logout: false });
  });

  it('anything else is plain', () => {
    expect(router.interpretReply({ cn: 'a.FindByIdResponse', result: { user: { ID: 'u' } } }, 'me')).toEqual({ kind: 'plain' });
    expect(router.interpretReply({}, 'me')).toEqual({ kind: 'plain' });
    expect(router.interpretReply({ cn: 5 }, 'me')).toEqual({ kind: 'plain' });
  });
});

describe('AgentRouter composed requests (§3.2)', () => {
  const s = Session.resumed({ clientId: 'old', userId: 'u', token: 't', deviceId: 'd', sid: 'secret-sid' }, 'new');

  it('carry the session fields plus cn, no messageId and never the sid', () => {
    expect(router.connectRequest(s)).toEqual({
      clientId: 'new',
      existingClientId: 'old',
      existingClientIds: ['old'],
      userId: 'u',
      token: 't',
      deviceId: 'd',
      cn: 'com.percero.agents.sync.vo.ConnectRequest',
    });
    expect(router.reconnectRequest(s)).toMatchObject({ cn: 'com.percero.agents.sync.vo.ReconnectRequest', existingClientId: 'old', existingClientIds: ['old'] });
    expect(router.disconnectAuthRequest(s)).toMatchObject({ cn: 'com.percero.agents.auth.vo.DisconnectRequest', userId: 'u' });
    expect(router.hibernateRequest(s)).toMatchObject({ cn: 'com.percero.agents.sync.vo.HibernateRequest', clientId: 'new' });
    for (const body of [router.connectRequest(s), router.reconnectRequest(s), router.disconnectRequest(s), router.disconnectAuthRequest(s), router.hibernateRequest(s)]) {
      expect(body).not.toHaveProperty('sid');
      expect(body).not.toHaveProperty('messageId');
    }
  });

  it('the sync DisconnectRequest leaves existingClientId(s) out', () => {
    expect(router.disconnectRequest(s)).toEqual({ clientId: 'new', userId: 'u', token: 't', deviceId: 'd', cn: 'com.percero.agents.sync.vo.DisconnectRequest' });
  });

  it('leaves absent fields out', () => {
    expect(router.connectRequest(Session.fresh('c'))).toEqual({ clientId: 'c', cn: 'com.percero.agents.sync.vo.ConnectRequest' });
  });

  it('loginFollowUp: Reconnect while an older clientId is set, else Connect', () => {
    expect(router.loginFollowUp(s)).toEqual({ routingKey: 'reconnect', body: router.reconnectRequest(s) });
    const fresh = Session.fresh('c');
    expect(router.loginFollowUp(fresh)).toEqual({ routingKey: 'connect', body: router.connectRequest(fresh) });
    const cleared = Session.resumed({ clientId: 'old' }, 'new');
    cleared.clearExistingClientId();
    expect(router.loginFollowUp(cleared).routingKey).toBe('connect');
    const same = Session.resumed({ clientId: 'same' }, 'same');
    expect(router.loginFollowUp(same).routingKey).toBe('connect');
  });
});
