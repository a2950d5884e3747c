import { describe, expect, it } from 'vitest';
import { MAX_KEY_LENGTH, ReconnectKeyCodec, kidOf } from '../../../src/domain/reconnect-key.js';
import type { SessionState } from '../../../src/domain/session.js';

const DAY = 86_400_000;
const NOW = 1_700_000_000_000;
const SECRET = 'current-secret-0123456789';
const OLD = 'previous-secret-9876543210';

const state: SessionState = {
  clientId: '0123456789abcdef0123456789abcdef',
  existingClientId: 'ffffffffffffffffffffffffffffffff',
  existingClientIds: ['ffffffffffffffffffffffffffffffff'],
  deviceId: 'dev-1',
  token: 'secret-token',
  userId: 'user-1',
  sid: 'sid-1',
  loginAt: NOW - 3 * DAY,
};

function codec(secret = SECRET, previousSecrets: string[] = []): ReconnectKeyCodec {
  return new ReconnectKeyCodec({ secret, previousSecrets, maxAgeMs: 7 * DAY });
}

function parts(key: string): { pub: string; version: string; kid: string; blob: Buffer } {
  const [pub = '', sealed = ''] = key.split(';');
  const [version = '', kid = '', blob = ''] = sealed.split('.');
  return { pub, version, kid, blob: Buffer.from(blob, 'base64url') };
}

function join(p: { pub: string; version: string; kid: string; blob: Buffer }): string {
  return `${p.pub};${p.version}.${p.kid}.${p.blob.toString('base64url')}`;
}

function flipByte(blob: Buffer, index: number): Buffer {
  const copy = Buffer.from(blob);
  copy[index] = (copy[index] ?? 0) ^ 0x01;
  return copy;
}

describe('ReconnectKeyCodec', () => {
  it('round-trips the whole session with savedAt', () => {
    const c = codec();
    const key = c.seal(state, NOW);
    expect(c.open(key, NOW + 1000)).toEqual({ ok: true, state, savedAt: NOW });
  });

  it('has the §4 format: padded base64 public JSON without token, v1, a kid that is not the secret', () => {
    const key = codec().seal(state, NOW);
    const p = parts(key);
    expect(p.pub).toMatch(/^[A-Za-z0-9+/]+={0,2}$/);
    expect(p.pub.length % 4).toBe(0);
    expect(JSON.parse(Buffer.from(p.pub, 'base64').toString('utf8'))).toEqual({
      clientId: state.clientId,
      userId: 'user-1',
      deviceId: 'dev-1',
      savedAt: NOW,
    });
    expect(p.version).toBe('v1');
    expect(p.kid).toBe(kidOf(SECRET));
    expect(p.kid).not.toContain(SECRET.slice(0, 6));
    expect(p.blob.length).toBeGreaterThan(12 + 16);
    expect(key).not.toContain('secret-token');
    expect(key).not.toContain('sid-1');
  });

  it('leaves absent fields out of the public part', () => {
    const key = codec().seal({ clientId: 'c' }, NOW);
    expect(JSON.parse(Buffer.from(parts(key).pub, 'base64').toString('utf8'))).toEqual({ clientId: 'c', savedAt: NOW });
    expect(codec().open(key, NOW)).toEqual({ ok: true, state: { clientId: 'c' }, savedAt: NOW });
  });

  it('uses a fresh IV each time', () => {
    const c = codec();
    expect(parts(c.seal(state, NOW)).blob.subarray(0, 12)).not.toEqual(parts(c.seal(state, NOW)).blob.subarray(0, 12));
  });

  describe('tampering', () => {
    const c = codec();
    const key = c.seal(state, NOW);
    const p = parts(key);

    it('a changed IV, ciphertext or tag byte fails the tag check', () => {
      expect(c.open(join({ ...p, blob: flipByte(p.blob, 0) }), NOW)).toEqual({ ok: false, reason: 'bad-tag' });
      expect(c.open(join({ ...p, blob: flipByte(p.blob, 20) }), NOW)).toEqual({ ok: false, reason: 'bad-tag' });
      expect(c.open(join({ ...p, blob: flipByte(p.blob, p.blob.length - 1) }), NOW)).toEqual({ ok: false, reason: 'bad-tag' });
    });

    it('a truncated blob is refused', () => {
      expect(c.open(join({ ...p, blob: p.blob.subarray(0, p.blob.length - 1) }), NOW)).toEqual({ ok: false, reason: 'bad-tag' });
      expect(c.open(join({ ...p, blob: p.blob.subarray(0, 20) }), NOW)).toEqual({ ok: false, reason: 'malformed' });
    });

    it('an unknown kid is refused; a known kid swapped in fails the tag (kid is authenticated)', () => {
      expect(c.open(join({ ...p, kid: 'AAAAAAAA' }), NOW)).toEqual({ ok: false, reason: 'unknown-kid' });
      const rotating = codec(SECRET, [OLD]);
      expect(rotating.open(join({ ...p, kid: kidOf(OLD) }), NOW)).toEqual({ ok: false, reason: 'bad-tag' });
    });

    it('another version is refused', () => {
      expect(c.open(join({ ...p, version: 'v2' }), NOW)).toEqual({ ok: false, reason: 'malformed' });
      expect(c.open(join({ ...p, version: 'v0' }), NOW)).toEqual({ ok: false, reason: 'malformed' });
    });

    it('a public part naming another user or client is refused', () => {
      const forge = (fields: Record<string, unknown>): string =>
        join({ ...p, pub: Buffer.from(JSON.stringify(fields)).toString('base64') });
      const base = { clientId: state.clientId, userId: 'user-1', deviceId: 'dev-1', savedAt: NOW };
      expect(c.open(forge({ ...base, userId: 'admin' }), NOW)).toEqual({ ok: false, reason: 'public-mismatch' });
      expect(c.open(forge({ ...base, clientId: 'x' }), NOW)).toEqual({ ok: false, reason: 'public-mismatch' });
      expect(c.open(forge({ ...base, deviceId: undefined }), NOW)).toEqual({ ok: false, reason: 'public-mismatch' });
      // Only the fields are compared, not the bytes: reordering and another savedAt are fine.
      expect(c.open(forge({ savedAt: 1, deviceId: 'dev-1', userId: 'user-1', clientId: state.clientId }), NOW).ok).toBe(true);
    });

    it('a public part that is not base64 JSON is malformed', () => {
      expect(c.open(join({ ...p, pub: 'not base64!' }), NOW)).toEqual({ ok: false, reason: 'malformed' });
      expect(c.open(join({ ...p, pub: Buffer.from('[1]').toString('base64') }), NOW)).toEqual({ ok: false, reason: 'malformed' });
      expect(c.open(join({ ...p, pub: '' }), NOW)).toEqual({ ok: false, reason: 'malformed' });
    });
  });

  it('expires at maxAge', () => {
    const c = codec();
    const key = c.seal(state, NOW);
    expect(c.open(key, NOW + 7 * DAY - 1).ok).toBe(true);
    expect(c.open(key, NOW + 7 * DAY)).toEqual({ ok: false, reason: 'expired' });
    expect(c.open(key, NOW - DAY)).toEqual({ ok: false, reason: 'expired' });
  });

  it('rotation: keys of a previous secret open, new keys are sealed with the current one', () => {
    const oldKey = codec(OLD).seal(state, NOW);
    const rotated = codec(SECRET, [OLD]);
    expect(rotated.open(oldKey, NOW)).toEqual({ ok: true, state, savedAt: NOW });
    const newKey = rotated.seal(state, NOW);
    expect(parts(newKey).kid).toBe(kidOf(SECRET));
    expect(codec(SECRET).open(newKey, NOW).ok).toBe(true);
    expect(codec(OLD).open(newKey, NOW)).toEqual({ ok: false, reason: 'unknown-kid' });
  });

  it('a key of another secret is refused', () => {
    expect(codec('other-secret').open(codec().seal(state, NOW), NOW)).toEqual({ ok: false, reason: 'unknown-kid' });
  });

  it('refuses oversize keys before decoding, and never throws on junk', () => {
    const c = codec();
    expect(c.open('a'.repeat(MAX_KEY_LENGTH + 1), NOW)).toEqual({ ok: false, reason: 'oversize' });
    expect(c.open(`;${'.'.repeat(MAX_KEY_LENGTH)}`, NOW)).toEqual({ ok: false, reason: 'oversize' });
    for (const junk of [undefined, null, 42, {}, [], '', ';', 'a;b', 'a;b;c', 'eyJ9;v1.x.y', ';v1..', 'e30=;v1.abc.%%%', `e30=;v1.${kidOf(SECRET)}.`]) {
      const result = c.open(junk, NOW);
      expect(result.ok).toBe(false);
      if (!result.ok) expect(['malformed', 'unknown-kid']).toContain(result.reason);
    }
  });

  it('refuses an empty secret at construction', () => {
    expect(() => codec('')).toThrow(RangeError);
    expect(() => codec(SECRET, [''])).toThrow(RangeError);
  });

  describe('login age (§4: loginAt is sealed and never refreshed)', () => {
    const loggedIn = (loginAt: number): SessionState => ({ clientId: 'c', userId: 'u', sid: 's', loginAt });
    const withLoginMax = (loginMaxAgeMs: number) => new ReconnectKeyCodec({ secret: SECRET, maxAgeMs: 7 * DAY, loginMaxAgeMs });

    it('a key whose login is older than loginMaxAge does not open, however fresh the key', () => {
      const c = withLoginMax(30 * DAY);
      expect(c.open(c.seal(loggedIn(NOW - 29 * DAY), NOW), NOW).ok).toBe(true);
      expect(c.open(c.seal(loggedIn(NOW - 30 * DAY), NOW), NOW)).toEqual({ ok: false, reason: 'login-expired' });
    });

    it('a chain of resumes cannot extend a login: 35 days of daily re-seals end at 30', () => {
      const c = withLoginMax(30 * DAY);
      let key = c.seal(loggedIn(NOW), NOW);
      let day = 0;
      for (; day < 35; day++) {
        const opened = c.open(key, NOW + day * DAY);
        if (!opened.ok) break;
        key = c.seal(opened.state, NOW + day * DAY);
      }
      expect(day).toBe(30);
    });

    it('a login dated ahead beyond the allowed skew is refused', () => {
      const c = withLoginMax(30 * DAY);
      expect(c.open(c.seal(loggedIn(NOW + 10 * 60_000), NOW), NOW)).toEqual({ ok: false, reason: 'login-expired' });
    });

    it('a key of a login sealed before loginAt existed takes its savedAt as the login time', () => {
      const c = withLoginMax(30 * DAY);
      const { loginAt: _none, ...old } = loggedIn(0);
      const opened = c.open(c.seal(old, NOW), NOW + 1000);
      expect(opened.ok && opened.state.loginAt).toBe(NOW);
    });

    it('a revocation outlives every key of its login: the shorter of the two ages plus twice the skew', () => {
      expect(withLoginMax(30 * DAY).revocationTtlMs).toBe(7 * DAY + 10 * 60_000);
      expect(withLoginMax(DAY).revocationTtlMs).toBe(DAY + 10 * 60_000);
    });
  });
});
