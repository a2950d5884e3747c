import { createCipheriv, createDecipheriv, createHmac, hkdfSync, randomBytes } from 'node:crypto';
import { looksLikeLegacyKey, openLegacyKey, type LegacyKeyFailure } from './legacy-reconnect-key.js';
import { isPlainObject, type PlainObject } from './plain-object.js';
import type { SessionState } from './session.js';

export interface KeySecret {
  secret: string;
}

export interface ReconnectKeyOptions {
  /** Seals new keys; also opens. */
  secret: string;
  /** Rotation: keys sealed with these still open (§4). */
  previousSecrets?: string[];
  /** Age of a key (since it was sealed) after which it no longer opens. */
  maxAgeMs: number;
  /** Age of a login (its sealed `loginAt`) after which its keys no longer open. Default 30 days. */
  loginMaxAgeMs?: number;
  /**
   * Migration window: keys issued by the original gateway (signed with
   * `secret` or one of `previousSecrets`) open until `acceptUntil` (epoch
   * ms), and fail with `legacy-expired` from then on. Absent: they are
   * refused as malformed, like any other foreign string.
   */
  legacyKeys?: { acceptUntil: number };
}

/** `legacy-expired`: a genuine key of the original gateway, presented after the migration window. */
export type KeyFailure =
  | 'oversize'
  | 'malformed'
  | 'unknown-kid'
  | 'bad-tag'
  | 'expired'
  | 'login-expired'
  | 'public-mismatch'
  | 'revoked'
  | 'legacy-expired';

export const DEFAULT_LOGIN_MAX_AGE_MS = 30 * 24 * 3600_000;

/** `legacy: true` marks a key of the original gateway (opened or not), for counting and logs. */
export type OpenResult =
  | { ok: true; state: SessionState; savedAt: number; legacy?: true }
  | { ok: false; reason: KeyFailure; legacy?: true };

/** How a legacy key fared, for the metric; undefined for our own keys. */
export const LEGACY_KEY_OUTCOMES = ['accepted', 'expired', 'invalid'] as const;
export type LegacyKeyOutcome = (typeof LEGACY_KEY_OUTCOMES)[number];

export function isLegacyKeyOutcome(value: unknown): value is LegacyKeyOutcome {
  return (LEGACY_KEY_OUTCOMES as readonly unknown[]).includes(value);
}

export function legacyKeyOutcome(result: OpenResult): LegacyKeyOutcome | undefined {
  if (!result.legacy) return undefined;
  if (result.ok) return 'accepted';
  return result.reason === 'legacy-expired' || result.reason === 'expired' ? 'expired' : 'invalid';
}

const LEGACY_REASONS: Readonly<Record<LegacyKeyFailure, KeyFailure>> = {
  oversize: 'oversize',
  malformed: 'malformed',
  'bad-signature': 'bad-tag',
  expired: 'expired',
  'window-closed': 'legacy-expired',
};

/** §4: refused before any decoding. */
export const MAX_KEY_LENGTH = 8192;
const VERSION = 'v1';
const IV_BYTES = 12;
const TAG_BYTES = 16;
/** Gateways' clocks differ a little; a key from further ahead was not sealed by a sane peer. */
const MAX_CLOCK_SKEW_MS = 5 * 60_000;
const HKDF_SALT = 'activestack-gateway reconnect key';
const HKDF_INFO = 'aes-256-gcm v1';

const BASE64URL = /^[A-Za-z0-9_-]+$/;
const BASE64 = /^(?:[A-Za-z0-9+/]{4})*(?:[A-Za-z0-9+/]{2}==|[A-Za-z0-9+/]{3}=)?$/;

interface DerivedKey {
  kid: string;
  key: Buffer;
}

/** Names a secret without revealing it: a one-way tag, safe to put in every key. */
export function kidOf(secret: string): string {
  return createHmac('sha256', secret).update('kid').digest('base64url').slice(0, 8);
}

function derive(secret: string): DerivedKey {
  if (typeof secret !== 'string' || secret.length === 0) throw new RangeError('reconnect key secret must be a non-empty string');
  const key = Buffer.from(hkdfSync('sha256', secret, HKDF_SALT, HKDF_INFO, 32));
  return { kid: kidOf(secret), key };
}

const OPTIONAL_STRINGS = ['existingClientId', 'deviceId', 'token', 'userId', 'sid'] as const;
const PUBLIC_FIELDS = ['clientId', 'userId', 'deviceId'] as const;

/** Only the known fields, each type-checked: the sealed JSON is trusted, not blindly. */
function stateFrom(sealed: PlainObject): SessionState | undefined {
  const clientId = sealed.clientId;
  if (typeof clientId !== 'string' || clientId.length === 0) return undefined;
  const state: SessionState = { clientId };
  for (const key of OPTIONAL_STRINGS) {
    const value = sealed[key];
    if (value === undefined) continue;
    if (typeof value !== 'string') return undefined;
    state[key] = value;
  }
  const loginAt = sealed.loginAt;
  if (loginAt !== undefined) {
    if (typeof loginAt !== 'number' || !Number.isFinite(loginAt)) return undefined;
    state.loginAt = loginAt;
  }
  const ids = sealed.existingClientIds;
  if (ids !== undefined) {
    if (!Array.isArray(ids) || !ids.every((id): id is string => typeof id === 'string')) return undefined;
    state.existingClientIds = [...ids];
  }
  return state;
}

function parseJsonObject(text: string): PlainObject | undefined {
  try {
    const value: unknown = JSON.parse(text);
    return isPlainObject(value) ? value : undefined;
  } catch {
    return undefined;
  }
}

/** The reconnect key of PROTOCOL §4: `<public>;v1.<kid>.<base64url(iv‖ct‖tag)>`. */
export class ReconnectKeyCodec {
  private readonly current: DerivedKey;
  private readonly byKid = new Map<string, Buffer>();
  private readonly maxAgeMs: number;
  private readonly loginMaxAgeMs: number;
  private readonly legacy: { secrets: string[]; acceptUntil: number } | undefined;

  constructor(options: ReconnectKeyOptions) {
    if (!(options.maxAgeMs > 0)) throw new RangeError('reconnect key maxAgeMs must be positive');
    if (options.loginMaxAgeMs !== undefined && !(options.loginMaxAgeMs > 0)) throw new RangeError('reconnect key loginMaxAgeMs must be positive');
    this.maxAgeMs = options.maxAgeMs;
    this.loginMaxAgeMs = options.loginMaxAgeMs ?? DEFAULT_LOGIN_MAX_AGE_MS;
    this.current = derive(options.secret);
    this.byKid.set(this.current.kid, this.current.key);
    for (const secret of options.previousSecrets ?? []) {
      const derived = derive(secret);
      if (!this.byKid.has(derived.kid)) this.byKid.set(derived.kid, derived.key);
    }
    if (options.legacyKeys) {
      if (!Number.isFinite(options.legacyKeys.acceptUntil)) throw new RangeError('legacyKeys.acceptUntil must be a finite epoch ms');
      this.legacy = { secrets: [options.secret, ...(options.previousSecrets ?? [])], acceptUntil: options.legacyKeys.acceptUntil };
    }
  }

  /**
   * How long a revocation must be remembered: as long as any key of the
   * login could open. The last key of a revoked login is sealed at most a
   * moment after the revocation (every socket still carrying it is closed),
   * and may be dated ahead by the allowed clock skew; a key lives maxAge.
   * The skew is counted twice to cover the gateway that revokes being
   * behind the one that sealed.
   */
  get revocationTtlMs(): number {
    return Math.min(this.maxAgeMs, this.loginMaxAgeMs) + 2 * MAX_CLOCK_SKEW_MS;
  }

  seal(state: SessionState, now: number): string {
    const pub: PlainObject = { clientId: state.clientId };
    if (state.userId !== undefined) pub.userId = state.userId;
    if (state.deviceId !== undefined) pub.deviceId = state.deviceId;
    pub.savedAt = now;
    const publicPart = Buffer.from(JSON.stringify(pub), 'utf8').toString('base64');

    const header = `${VERSION}.${this.current.kid}`;
    const iv = randomBytes(IV_BYTES);
    const cipher = createCipheriv('aes-256-gcm', this.current.key, iv, { authTagLength: TAG_BYTES });
    cipher.setAAD(Buffer.from(header, 'utf8'));
    const plaintext = Buffer.from(JSON.stringify({ ...state, savedAt: now }), 'utf8');
    const ct = Buffer.concat([cipher.update(plaintext), cipher.final()]);
    const blob = Buffer.concat([iv, ct, cipher.getAuthTag()]).toString('base64url');
    return `${publicPart};${header}.${blob}`;
  }

  /** Never throws: any failure is a reason, and the key itself is never echoed. */
  open(key: unknown, now: number): OpenResult {
    try {
      return this.openUnsafe(key, now);
    } catch {
      return { ok: false, reason: 'malformed' };
    }
  }

  private openUnsafe(key: unknown, now: number): OpenResult {
    if (typeof key !== 'string') return fail('malformed');
    if (this.legacy && looksLikeLegacyKey(key)) return this.openLegacy(key, now, this.legacy);
    if (key.length > MAX_KEY_LENGTH) return fail('oversize');

    const halves = key.split(';');
    if (halves.length !== 2) return fail('malformed');
    const [publicPart = '', sealedPart = ''] = halves;
    if (publicPart.length === 0 || !BASE64.test(publicPart)) return fail('malformed');
    const pub = parseJsonObject(Buffer.from(publicPart, 'base64').toString('utf8'));
    if (!pub) return fail('malformed');

    const pieces = sealedPart.split('.');
    if (pieces.length !== 3) return fail('malformed');
    const [version = '', kid = '', blobText = ''] = pieces;
    if (version !== VERSION || kid.length === 0 || !BASE64URL.test(blobText)) return fail('malformed');
    const blob = Buffer.from(blobText, 'base64url');
    if (blob.length <= IV_BYTES + TAG_BYTES) return fail('malformed');

    const secretKey = this.byKid.get(kid);
    if (!secretKey) return fail('unknown-kid');

    const iv = blob.subarray(0, IV_BYTES);
    const tag = blob.subarray(blob.length - TAG_BYTES);
    const ct = blob.subarray(IV_BYTES, blob.length - TAG_BYTES);
    let plaintext: Buffer;
    try {
      const decipher = createDecipheriv('aes-256-gcm', secretKey, iv, { authTagLength: TAG_BYTES });
      decipher.setAAD(Buffer.from(`${version}.${kid}`, 'utf8'));
      decipher.setAuthTag(tag);
      // final() compares the tag in constant time and throws on mismatch.
      plaintext = Buffer.concat([decipher.update(ct), decipher.final()]);
    } catch {
      return fail('bad-tag');
    }

    const sealed = parseJsonObject(plaintext.toString('utf8'));
    if (!sealed) return fail('malformed');
    const savedAt = sealed.savedAt;
    const state = stateFrom(sealed);
    if (!state || typeof savedAt !== 'number' || !Number.isFinite(savedAt)) return fail('malformed');

    if (now - savedAt >= this.maxAgeMs || savedAt - now > MAX_CLOCK_SKEW_MS) return fail('expired');
    // A login sealed before loginAt existed is at least as old as its key.
    if (state.sid !== undefined && state.loginAt === undefined) state.loginAt = savedAt;
    if (state.loginAt !== undefined && (now - state.loginAt >= this.loginMaxAgeMs || state.loginAt - now > MAX_CLOCK_SKEW_MS)) {
      return fail('login-expired');
    }

    for (const field of PUBLIC_FIELDS) {
      if (pub[field] !== state[field]) return fail('public-mismatch');
    }
    return { ok: true, state, savedAt };
  }

  private openLegacy(key: string, now: number, legacy: { secrets: string[]; acceptUntil: number }): OpenResult {
    const opened = openLegacyKey(key, now, { ...legacy, maxAgeMs: this.maxAgeMs });
    if (!opened.ok) return { ok: false, reason: LEGACY_REASONS[opened.reason], legacy: true };
    const state: SessionState = { ...opened.state };
    if (state.sid !== undefined) {
      // The original knew no login time: its key's own date is the best bound there is.
      state.loginAt ??= opened.savedAt;
      if (now - state.loginAt >= this.loginMaxAgeMs) return { ok: false, reason: 'login-expired', legacy: true };
    }
    return { ok: true, state, savedAt: opened.savedAt, legacy: true };
  }
}

function fail(reason: KeyFailure): OpenResult {
  return { ok: false, reason };
}
