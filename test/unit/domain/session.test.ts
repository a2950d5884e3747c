import { describe, expect, it } from 'vitest';
import { MAX_EXISTING_CLIENT_IDS, Session, newClientId } from '../../../src/domain/session.js';

describe('newClientId', () => {
  it('is 32 lowercase hex characters and random', () => {
    const a = newClientId();
    expect(a).toMatch(/^[0-9a-f]{32}$/);
    expect(newClientId()).not.toBe(a);
  });
});

describe('Session', () => {
  it('starts fresh, logged out and dirty', () => {
    const s = Session.fresh('c1');
    expect(s.clientId).toBe('c1');
    expect(s.state).toEqual({ clientId: 'c1' });
    expect(s.isLoggedIn).toBe(false);
    expect(s.isDirty).toBe(true);
    s.markClean();
    expect(s.isDirty).toBe(false);
  });

  it('login sets identity, a sid and loginAt, keeping the device when none is given', () => {
    const s = Session.fresh('c1');
    s.markClean();
    expect(s.login({ userId: 'u1', token: 't1', deviceId: 'd1' }, 1000)).toEqual({ replacedSid: undefined });
    expect(s.isDirty).toBe(true);
    expect(s.isLoggedIn).toBe(true);
    expect(s.state.sid).toEqual(expect.any(String));
    expect(s.state).toMatchObject({ clientId: 'c1', userId: 'u1', token: 't1', deviceId: 'd1', loginAt: 1000 });
  });

  it('the same user logging in again keeps the sid (one logout still ends it); another user replaces it', () => {
    const s = Session.fresh('c1');
    s.login({ userId: 'u1', token: 't1', deviceId: 'd1' }, 1000);
    const first = s.state.sid!;
    // e.g. a login reply delivered twice, after a resume on another instance
    expect(s.login({ userId: 'u1', token: 't2' }, 2000)).toEqual({ replacedSid: undefined });
    expect(s.state).toMatchObject({ sid: first, token: 't2', loginAt: 2000 });
    expect(s.login({ userId: 'u2' }, 3000)).toEqual({ replacedSid: first });
    expect(s.state.userId).toBe('u2');
    expect(s.state.token).toBeUndefined();
    expect(s.state.deviceId).toBe('d1');
    expect(s.state.sid).not.toBe(first);
  });

  it('a resumed session keeps the login time: resuming never extends a login', () => {
    const s = Session.fresh('c1');
    s.login({ userId: 'u1' }, 1000);
    const resumed = Session.resumed(s.state, 'c2');
    expect(resumed.state).toMatchObject({ sid: s.state.sid, loginAt: 1000 });
    resumed.logout();
    expect(resumed.state.loginAt).toBeUndefined();
  });

  it('logout clears userId, token and sid, returns the old sid, and is clean when nothing changed', () => {
    const s = Session.fresh('c1');
    s.login({ userId: 'u1', token: 't1', deviceId: 'd1' }, 1000);
    const sid = s.state.sid;
    s.markClean();
    expect(s.logout()).toBe(sid);
    expect(s.state).toEqual({ clientId: 'c1', deviceId: 'd1' });
    expect(s.isLoggedIn).toBe(false);
    expect(s.isDirty).toBe(true);
    s.markClean();
    expect(s.logout()).toBeUndefined();
    expect(s.isDirty).toBe(false);
  });

  it('resumed takes the old fields with the new clientId and appends the old one to the history', () => {
    const old = { clientId: 'old', userId: 'u', token: 't', deviceId: 'd', sid: 's1', existingClientId: 'older', existingClientIds: ['older'] };
    const s = Session.resumed(old, 'new');
    expect(s.state).toEqual({
      clientId: 'new',
      userId: 'u',
      token: 't',
      deviceId: 'd',
      sid: 's1',
      existingClientId: 'old',
      existingClientIds: ['older', 'old'],
    });
    expect(s.isDirty).toBe(true);
    expect(old.existingClientIds).toEqual(['older']);
  });

  it('keeps only the last 16 existing client ids', () => {
    let state = Session.fresh('c0').state;
    for (let i = 1; i <= 40; i++) state = Session.resumed(state, `c${i}`).state;
    expect(state.existingClientIds).toHaveLength(MAX_EXISTING_CLIENT_IDS);
    expect(state.existingClientIds?.at(-1)).toBe('c39');
    expect(state.existingClientIds?.[0]).toBe('c24');
    expect(state.existingClientId).toBe('c39');
  });

  it('clearExistingClientId is dirty only when it was set, and keeps the history', () => {
    const s = Session.resumed({ clientId: 'old' }, 'new');
    s.markClean();
    s.clearExistingClientId();
    expect(s.isDirty).toBe(true);
    expect(s.state.existingClientId).toBeUndefined();
    expect(s.state.existingClientIds).toEqual(['old']);
    s.markClean();
    s.clearExistingClientId();
    expect(s.isDirty).toBe(false);
  });

  it('state is a snapshot the caller cannot use to change the session', () => {
    const s = Session.resumed({ clientId: 'old' }, 'new');
    const snap = s.state as { existingClientIds?: string[]; userId?: string };
    snap.existingClientIds?.push('x');
    snap.userId = 'evil';
    expect(s.state.existingClientIds).toEqual(['old']);
    expect(s.isLoggedIn).toBe(false);
  });

  describe('stamp (§2.2)', () => {
    it('authenticated: identity comes from the session, whatever the client sent', () => {
      const s = Session.fresh('c1');
      s.login({ userId: 'me', token: 'tok' }, 1000);
      const payload = { clientId: 'other', userId: 'victim', token: 'stolen', deviceId: 'dev', data: 1 };
      const out = s.stamp(payload, true);
      expect(out).toEqual({ clientId: 'c1', userId: 'me', token: 'tok', data: 1 });
      expect(payload.userId).toBe('victim');
    });

    it('unauthenticated: keeps what the client sent apart from clientId', () => {
      const s = Session.fresh('c1');
      const out = s.stamp({ clientId: 'x', token: 'stored', userId: 'u' }, false);
      expect(out).toEqual({ clientId: 'c1', token: 'stored', userId: 'u' });
    });

    it('a __proto__ key stays data and pollutes nothing', () => {
      const s = Session.fresh('c1');
      const payload = JSON.parse('{"__proto__":{"polluted":true},"constructor":{"prototype":{"p":1}},"a":1}') as Record<string, unknown>;
      const out = s.stamp(payload, false);
      expect(Object.getPrototypeOf(out)).toBe(Object.prototype);
      expect((out as { polluted?: unknown }).polluted).toBeUndefined();
      expect(({} as { polluted?: unknown }).polluted).toBeUndefined();
      expect(JSON.stringify(out)).toBe('{"__proto__":{"polluted":true},"constructor":{"prototype":{"p":1}},"a":1,"clientId":"c1"}');
      expect(Object.keys(out)).toEqual(['__proto__', 'constructor', 'a', 'clientId']);
    });
  });

  it('requestFields carries what the session has, existing ids only on request, never sid', () => {
    const s = Session.resumed({ clientId: 'old', userId: 'u', sid: 's' }, 'new');
    expect(s.requestFields()).toEqual({ clientId: 'new', userId: 'u' });
    expect(s.requestFields({ withExisting: true })).toEqual({
      clientId: 'new',
      userId: 'u',
      existingClientId: 'old',
      existingClientIds: ['old'],
    });
  });
});
