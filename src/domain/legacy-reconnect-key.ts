import { createHash, createHmac, timingSafeEqual } from 'node:crypto';
import { isPlainObject, type PlainObject } from './plain-object.js';
import { MAX_EXISTING_CLIENT_IDS, type SessionState } from './session.js';

/**
 * Reconnect keys issued by the original gateway (its src/service/session.js),
 * opened during a migration window so a cut-over does not log everyone out:
 *
 *   base64(JSON) ";" base64(HMAC-SHA512(frontend.session_secret, base64(JSON)))
 *
 * The HMAC covers the base64 text exactly as sent, not the JSON. The JSON
 * holds `savedAt` (ms) and those of clientId, existingClientId,
 * existingClientIds, deviceId, token, userId that were set. Nothing in it is
 * encrypted: the original's key showed the token to whoever held it.
 */
export interface LegacyKeyOptions {
  /** The original's `frontend.session_secret` (and older ones): any may have signed the key. */
  readonly secrets: readonly string[];
  /** Epoch ms from which legacy keys are refused (`frontend.legacyKeys.acceptUntil`). */
  readonly acceptUntil: number;
  /** Our `frontend.sessionMaxAge`; the original's own limit applies too. */
  readonly maxAgeMs: number;
}

export type LegacyKeyFailure = 'oversize' | 'malformed' | 'bad-signature' | 'expired' | 'window-closed';

export type LegacyOpenResult =
  | { readonly ok: true; readonly state: SessionState; readonly savedAt: number }
  | { readonly ok: false; readonly reason: LegacyKeyFailure };

/**
 * Refused before any decoding. Larger than a key of ours: the original
 * appended one clientId (35 bytes of JSON) to existingClientIds at every
 * reconnect and never dropped one, so a long-lived session's key grows.
 */
export const MAX_LEGACY_KEY_LENGTH = 64 * 1024;

/**
 * The original's MAX_SESSION_AGE, `new Date(0).setUTCDate(7)`: the 7th of
 * January 1970, i.e. 6 days (its comment says 7). It refused older keys;
 * so do we.
 */
export const ORIGINAL_MAX_AGE_MS = 6 * 24 * 3600_000;

/** A key sealed a little in the future came from a peer whose clock is off, not from a sane one. */
const MAX_CLOCK_SKEW_MS = 5 * 60_000;
/** Base64 of the 64 bytes of an HMAC-SHA512, as Node's digest('base64') writes it. */
const SIGNATURE = /^[A-Za-z0-9+/]{86}==$/;
const SIGNATURE_LENGTH = 88;
const BASE64 = /^(?:[A-Za-z0-9+/]{4})*(?:[A-Za-z0-9+/]{2}==|[A-Za-z0-9+/]{3}=)?$/;
const SEMICOLON = 0x3b;

/** Shape only, in constant time whatever the length: `…;<88 base64 characters ending in ==>`. */
export function looksLikeLegacyKey(key: string): boolean {
  return (
    key.length > SIGNATURE_LENGTH + 1 &&
    key.charCodeAt(key.length - SIGNATURE_LENGTH - 1) === SEMICOLON &&
    SIGNATURE.test(key.slice(-SIGNATURE_LENGTH))
  );
}

function signatureMatches(encoded: string, signature: string, secrets: readonly string[]): boolean {
  const given = Buffer.from(signature, 'latin1');
  let match = false;
  for (const secret of secrets) {
    const expected = Buffer.from(createHmac('sha512', secret).update(encoded, 'utf8').digest('base64'), 'latin1');
    // Both are 88 bytes (checked by SIGNATURE); every secret is tried, match or not.
    if (expected.length === given.length && timingSafeEqual(expected, given)) match = true;
  }
  return match;
}

/** undefined when absent or null; the string; or a failure. */
function optionalText(value: unknown, allowNumber: boolean): string | undefined | false {
  if (value === undefined || value === null) return undefined;
  if (typeof value === 'string') return value === '' ? undefined : value;
  if (allowNumber && typeof value === 'number' && Number.isFinite(value)) return String(value);
  return false;
}

/**
 * The sid of a resumed legacy login: new (the original had none), and the
 * same every time this key is presented, so a logout after the resume
 * revokes the keys issued since and this legacy key itself, which would
 * otherwise log in again until the window closes. The signature is unique
 * per key (it covers savedAt); same length and alphabet as our sids.
 */
export function legacySid(signature: string): string {
  return createHash('sha256').update(`activestack-gateway legacy sid\0${signature}`).digest('base64url').slice(0, 22);
}

/**
 * The original's fields as our session. Backends sent user ids as numbers
 * too (`user.ID`), stored as they came: a number becomes its decimal text,
 * as in our login handling. A session with a userId gets a sid (legacySid).
 */
function stateFrom(fields: PlainObject, signature: string): SessionState | undefined {
  const clientId = fields.clientId;
  if (typeof clientId !== 'string' || clientId === '') return undefined;
  const state: SessionState = { clientId };
  const texts = [
    ['existingClientId', false],
    ['deviceId', true],
    ['token', false],
    ['userId', true],
  ] as const;
  for (const [name, allowNumber] of texts) {
    const value = optionalText(fields[name], allowNumber);
    if (value === false) return undefined;
    if (value !== undefined) state[name] = value;
  }
  const ids = fields.existingClientIds;
  if (ids !== undefined && ids !== null) {
    if (!Array.isArray(ids) || !ids.every((id): id is string => typeof id === 'string')) return undefined;
    if (ids.length > 0) state.existingClientIds = ids.slice(-MAX_EXISTING_CLIENT_IDS);
  }
  if (state.userId !== undefined) state.sid = legacySid(signature);
  return state;
}

/** Never throws: every failure is a reason. */
export function openLegacyKey(key: string, now: number, options: LegacyKeyOptions): LegacyOpenResult {
  if (key.length > MAX_LEGACY_KEY_LENGTH) return { ok: false, reason: 'oversize' };
  const parts = key.split(';');
  if (parts.length !== 2) return { ok: false, reason: 'malformed' };
  const [encoded = '', signature = ''] = parts;
  if (encoded === '' || !BASE64.test(encoded) || !SIGNATURE.test(signature)) return { ok: false, reason: 'malformed' };
  if (!signatureMatches(encoded, signature, options.secrets)) return { ok: false, reason: 'bad-signature' };

  let fields: unknown;
  try {
    fields = JSON.parse(Buffer.from(encoded, 'base64').toString('utf8'));
  } catch {
    return { ok: false, reason: 'malformed' };
  }
  if (!isPlainObject(fields)) return { ok: false, reason: 'malformed' };
  const savedAt = fields.savedAt;
  if (typeof savedAt !== 'number' || !Number.isFinite(savedAt)) return { ok: false, reason: 'malformed' };
  const state = stateFrom(fields, signature);
  if (!state) return { ok: false, reason: 'malformed' };

  const maxAge = Math.min(options.maxAgeMs, ORIGINAL_MAX_AGE_MS);
  if (now - savedAt >= maxAge || savedAt - now > MAX_CLOCK_SKEW_MS) return { ok: false, reason: 'expired' };
  if (now >= options.acceptUntil) return { ok: false, reason: 'window-closed' };
  return { ok: true, state, savedAt };
}
