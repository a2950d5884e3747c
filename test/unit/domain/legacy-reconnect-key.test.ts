import { execFileSync } from 'node:child_process';
import { createHmac } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import {
  looksLikeLegacyKey,
  MAX_LEGACY_KEY_LENGTH,
  ORIGINAL_MAX_AGE_MS,
} from '../../../src/domain/legacy-reconnect-key.js';
import { legacyKeyOutcome, ReconnectKeyCodec, type OpenResult } from '../../../src/domain/reconnect-key.js';

// How a Client resumes such a state (ReconnectRequest, a key of ours at
// once, logout revoking it) is proven end to end, through the CLI, in
// test/e2e/ops/legacy-keys.test.ts.
const SECRET = 'the-original-gateways-session-secret';
const NOW = 1_750_000_000_000;
const DAY = 86_400_000;
const WEEK = 7 * DAY;

/**
 * A key as the original gateway issued it, written from its format: the
 * session fields and savedAt as JSON, base64; then ';' and the base64
 * HMAC-SHA512 of that base64 text keyed with frontend.session_secret.
 */
function originalKey(fields: Record<string, unknown>, opts: { secret?: string; savedAt?: number } = {}): string {
  const encoded = Buffer.from(JSON.stringify({ ...fields, savedAt: opts.savedAt ?? NOW - 60_000 }), 'utf8').toString('base64');
  const signature = createHmac('sha512', opts.secret ?? SECRET).update(encoded).digest('base64');
  return `${encoded};${signature}`;
}

const LOGGED_IN = {
  clientId: '0123456789abcdef0123456789abcdef',
  existingClientIds: ['ffffffffffffffffffffffffffffffff'],
  existingClientId: 'ffffffffffffffffffffffffffffffff',
  deviceId: 'device-7',
  token: 'token-of-user-42',
  userId: '42',
};

const codec = (acceptUntil = NOW + DAY, extra: { previousSecrets?: string[]; maxAgeMs?: number } = {}) =>
  new ReconnectKeyCodec({ secret: SECRET, maxAgeMs: extra.maxAgeMs ?? WEEK, legacyKeys: { acceptUntil }, ...(extra.previousSecrets ? { previousSecrets: extra.previousSecrets } : {}) });

function failure(result: OpenResult): string {
  expect(result.ok).toBe(false);
  return result.ok ? 'ok' : result.reason;
}

describe('reconnect keys of the original gateway, within the migration window', () => {
  it('open to the logged-in session they held, marked legacy, with a sid of its own', () => {
    const key = originalKey(LOGGED_IN);
    expect(looksLikeLegacyKey(key)).toBe(true);
    const a = codec().open(key, NOW);
    expect(a.ok).toBe(true);
    if (!a.ok) return;
    expect(a.legacy).toBe(true);
    expect(a.savedAt).toBe(NOW - 60_000);
    const { sid, loginAt, ...fields } = a.state;
    expect(fields).toEqual(LOGGED_IN);
    // The original sealed no login time: the key's own date stands for it.
    expect(loginAt).toBe(NOW - 60_000);
    expect(sid).toMatch(/^[A-Za-z0-9_-]{22}$/);
    expect(legacyKeyOutcome(a)).toBe('accepted');
  });

  it('give the same key the same sid every time (so a logout revokes the legacy key too), another key another', () => {
    const key = originalKey(LOGGED_IN);
    const sidOf = (k: string): string | undefined => {
      const opened = codec().open(k, NOW);
      return opened.ok ? opened.state.sid : undefined;
    };
    expect(sidOf(key)).toBeDefined();
    expect(sidOf(key)).toBe(sidOf(key));
    expect(sidOf(originalKey(LOGGED_IN, { savedAt: NOW - 120_000 }))).not.toBe(sidOf(key));
    expect(sidOf(originalKey({ ...LOGGED_IN, userId: '43' }))).not.toBe(sidOf(key));
  });

  it('take a numeric user id as its decimal text, as a login reply would be', () => {
    const opened = codec().open(originalKey({ ...LOGGED_IN, userId: 1234 }), NOW);
    expect(opened.ok && opened.state.userId).toBe('1234');
  });

  it('of a session that never logged in open logged out, without a sid', () => {
    const opened = codec().open(originalKey({ clientId: LOGGED_IN.clientId }), NOW);
    expect(opened.ok).toBe(true);
    if (opened.ok) expect(opened.state).toEqual({ clientId: LOGGED_IN.clientId });
  });

  it('open when signed with a previous secret of ours (the original ran with it)', () => {
    const key = originalKey(LOGGED_IN, { secret: 'the-old-one' });
    expect(failure(codec().open(key, NOW))).toBe('bad-tag');
    expect(codec(NOW + DAY, { previousSecrets: ['the-old-one'] }).open(key, NOW).ok).toBe(true);
  });

  it('keep only the last 16 of a long existingClientIds history', () => {
    const ids = Array.from({ length: 900 }, (_, i) => i.toString(16).padStart(32, '0'));
    const key = originalKey({ ...LOGGED_IN, existingClientIds: ids });
    expect(key.length).toBeGreaterThan(8192); // larger than any key of ours, still accepted
    const opened = codec().open(key, NOW);
    expect(opened.ok && opened.state.existingClientIds).toEqual(ids.slice(-16));
  });

  it('verify against a signature made by openssl, not by the code under test', () => {
    const encoded = Buffer.from(JSON.stringify({ clientId: LOGGED_IN.clientId, userId: '7', savedAt: NOW })).toString('base64');
    let signature: string;
    try {
      signature = execFileSync('openssl', ['dgst', '-sha512', '-hmac', SECRET, '-binary'], { input: encoded }).toString('base64');
    } catch (err) {
      throw new Error('openssl is needed for this known-answer test (apt-get install openssl)', { cause: err });
    }
    const opened = codec().open(`${encoded};${signature}`, NOW);
    expect(opened.ok && opened.state.userId).toBe('7');
  });

  it('leave our own keys as they were', () => {
    const c = codec();
    const ours = c.seal({ clientId: 'c'.repeat(32), userId: 'u', sid: 's' }, NOW);
    expect(looksLikeLegacyKey(ours)).toBe(false);
    const opened = c.open(ours, NOW);
    expect(opened.ok).toBe(true);
    expect(opened.legacy).toBeUndefined();
    expect(legacyKeyOutcome(opened)).toBeUndefined();
  });
});

describe('reconnect keys of the original gateway are refused', () => {
  it('after the window, with a reason of their own (the client sees INVALID_RECONNECT_KEY)', () => {
    const key = originalKey(LOGGED_IN);
    const at = codec(NOW).open(key, NOW);
    expect(failure(at)).toBe('legacy-expired');
    expect(at.legacy).toBe(true);
    expect(legacyKeyOutcome(at)).toBe('expired');
    expect(failure(codec(NOW - 1).open(key, NOW))).toBe('legacy-expired');
    expect(codec(NOW + 1).open(key, NOW).ok).toBe(true);
  });

  it('when tampered with: a changed payload under the old signature', () => {
    const genuine = originalKey(LOGGED_IN);
    const signature = genuine.split(';')[1];
    const forgedPayload = Buffer.from(JSON.stringify({ ...LOGGED_IN, userId: '1', savedAt: NOW - 60_000 })).toString('base64');
    const result = codec().open(`${forgedPayload};${signature}`, NOW);
    expect(failure(result)).toBe('bad-tag');
    expect(legacyKeyOutcome(result)).toBe('invalid');
  });

  it('when tampered with: one character of the signature changed', () => {
    const genuine = originalKey(LOGGED_IN);
    const i = genuine.indexOf(';') + 10;
    const flipped = genuine.slice(0, i) + (genuine[i] === 'A' ? 'B' : 'A') + genuine.slice(i + 1);
    expect(failure(codec().open(flipped, NOW))).toBe('bad-tag');
  });

  it('when signed with another secret', () => {
    expect(failure(codec().open(originalKey(LOGGED_IN, { secret: 'some-other-secret' }), NOW))).toBe('bad-tag');
  });

  it("when older than the original's own 6 days, or than our sessionMaxAge if shorter", () => {
    expect(ORIGINAL_MAX_AGE_MS).toBe(new Date(0).setUTCDate(7));
    const sixDaysOld = originalKey(LOGGED_IN, { savedAt: NOW - ORIGINAL_MAX_AGE_MS });
    const result = codec().open(sixDaysOld, NOW);
    expect(failure(result)).toBe('expired');
    expect(legacyKeyOutcome(result)).toBe('expired');
    expect(codec().open(originalKey(LOGGED_IN, { savedAt: NOW - ORIGINAL_MAX_AGE_MS + 1000 }), NOW).ok).toBe(true);
    expect(failure(codec(NOW + DAY, { maxAgeMs: DAY }).open(originalKey(LOGGED_IN, { savedAt: NOW - DAY }), NOW))).toBe('expired');
    expect(failure(codec().open(originalKey(LOGGED_IN, { savedAt: NOW + 10 * 60_000 }), NOW))).toBe('expired');
  });

  it('when genuinely signed but not a session of the original', () => {
    const signed = (text: string): string => {
      const encoded = Buffer.from(text).toString('base64');
      return `${encoded};${createHmac('sha512', SECRET).update(encoded).digest('base64')}`;
    };
    for (const bad of [
      signed('not json'),
      signed('[1,2]'),
      signed(JSON.stringify({ clientId: 'c', savedAt: 'yesterday' })),
      signed(JSON.stringify({ userId: '1', savedAt: NOW })),
      signed(JSON.stringify({ clientId: 'c', token: { t: 1 }, savedAt: NOW })),
      signed(JSON.stringify({ clientId: 'c', existingClientIds: 'x', savedAt: NOW })),
    ]) {
      const result = codec().open(bad, NOW);
      expect(failure(result)).toBe('malformed');
      expect(legacyKeyOutcome(result)).toBe('invalid');
    }
  });

  it('when over 64 KiB, before anything is decoded', () => {
    const ids = Array.from({ length: 1500 }, (_, i) => i.toString(16).padStart(32, '0'));
    const key = originalKey({ ...LOGGED_IN, existingClientIds: ids });
    expect(key.length).toBeGreaterThan(MAX_LEGACY_KEY_LENGTH);
    expect(failure(codec().open(key, NOW))).toBe('oversize');
  });

  it('as malformed, unmarked, when no window is configured', () => {
    const plain = new ReconnectKeyCodec({ secret: SECRET, maxAgeMs: WEEK });
    const result = plain.open(originalKey(LOGGED_IN), NOW);
    expect(failure(result)).toBe('malformed');
    expect(result.legacy).toBeUndefined();
  });
});
