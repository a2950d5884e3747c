import { randomBytes } from 'node:crypto';
import type { PlainObject } from './plain-object.js';

/** The session fields of PROTOCOL: what agents see of a client. */
export interface SessionFields {
  clientId: string;
  existingClientId?: string;
  existingClientIds?: string[];
  deviceId?: string;
  token?: string;
  userId?: string;
}

/**
 * What a reconnect key seals. `sid` names one login; logout revokes it.
 * `loginAt` (ms) is when that login happened: resuming never moves it, so
 * a chain of resumes cannot keep a login alive past `loginMaxAge`.
 */
export interface SessionState extends SessionFields {
  sid?: string;
  loginAt?: number;
}

export interface LoginData {
  userId: string;
  token?: string;
  deviceId?: string;
}

/** Keys carry the whole history; capping it keeps them small (§2.1). */
export const MAX_EXISTING_CLIENT_IDS = 16;

/** 32 lowercase hex characters (16 random bytes), PROTOCOL §1. */
export function newClientId(): string {
  return randomBytes(16).toString('hex');
}

function newSid(): string {
  return randomBytes(16).toString('base64url');
}

/** The identity fields an authenticated event must carry from the session only. */
const IDENTITY_FIELDS = ['userId', 'token', 'deviceId'] as const;

const isIdentityField = (key: string): boolean => key === 'userId' || key === 'token' || key === 'deviceId';
const hasOwn = Object.prototype.hasOwnProperty;

export class Session {
  private fields: SessionState;
  private dirty = true;

  private constructor(fields: SessionState) {
    this.fields = fields;
  }

  static fresh(clientId: string): Session {
    return new Session({ clientId });
  }

  /** §2.1: the new socket keeps its own clientId; the old one becomes history. */
  static resumed(old: SessionState, newClientId: string): Session {
    const fields: SessionState = { clientId: newClientId };
    if (old.deviceId !== undefined) fields.deviceId = old.deviceId;
    if (old.token !== undefined) fields.token = old.token;
    if (old.userId !== undefined) fields.userId = old.userId;
    if (old.sid !== undefined) fields.sid = old.sid;
    if (old.loginAt !== undefined) fields.loginAt = old.loginAt;
    fields.existingClientId = old.clientId;
    fields.existingClientIds = [...(old.existingClientIds ?? []), old.clientId].slice(-MAX_EXISTING_CLIENT_IDS);
    return new Session(fields);
  }

  get clientId(): string {
    return this.fields.clientId;
  }

  get state(): Readonly<SessionState> {
    const copy: SessionState = { ...this.fields };
    if (this.fields.existingClientIds) copy.existingClientIds = [...this.fields.existingClientIds];
    return copy;
  }

  get isLoggedIn(): boolean {
    return this.fields.userId !== undefined;
  }

  get isDirty(): boolean {
    return this.dirty;
  }

  markClean(): void {
    this.dirty = false;
  }

  /**
   * A login never leaves an earlier login's sid alive unnoticed: the same
   * user again (a re-authentication, or a login reply delivered twice)
   * keeps the sid, so one logout still revokes every key of that login;
   * another user gets a new sid, and the replaced one is returned for the
   * caller to revoke.
   */
  login(data: LoginData, now: number): { replacedSid: string | undefined } {
    const previous = this.fields.sid;
    const sameUser = previous !== undefined && this.fields.userId === data.userId;
    const next: SessionState = { ...this.fields, userId: data.userId, sid: sameUser ? previous : newSid(), loginAt: now };
    if (data.token !== undefined) next.token = data.token;
    else delete next.token;
    // A login reply without a deviceId does not mean the device went away.
    if (data.deviceId !== undefined) next.deviceId = data.deviceId;
    this.fields = next;
    this.dirty = true;
    return { replacedSid: sameUser ? undefined : previous };
  }

  logout(): string | undefined {
    const { userId, token, sid, loginAt: _loginAt, ...rest } = this.fields;
    if (userId === undefined && token === undefined && sid === undefined) return undefined;
    this.fields = rest;
    this.dirty = true;
    return sid;
  }

  clearExistingClientId(): void {
    if (this.fields.existingClientId === undefined) return;
    const { existingClientId: _dropped, ...rest } = this.fields;
    this.fields = rest;
    this.dirty = true;
  }

  /**
   * §2.2: clientId always from the session; for authenticated events the
   * identity fields too (removed where the session has none), so a client
   * cannot act as another user. The payload is left as it was.
   *
   * Built key by key into a fresh object: spreading a freshly parsed payload
   * and then setting and deleting the identity fields costs several µs per
   * request (V8 clones the parsed object's map, then transitions it), about
   * ten times this loop. A `__proto__` key is defined as data, never set
   * (that would swap the copy's prototype).
   */
  stamp(payload: Record<string, unknown>, authenticated: boolean): Record<string, unknown> {
    const out: PlainObject = {};
    for (const key in payload) {
      if (!hasOwn.call(payload, key) || key === 'clientId' || (authenticated && isIdentityField(key))) continue;
      if (key === '__proto__') Object.defineProperty(out, key, { value: payload[key], enumerable: true, writable: true, configurable: true });
      else out[key] = payload[key];
    }
    out.clientId = this.fields.clientId;
    if (authenticated) {
      const { userId, token, deviceId } = this.fields;
      if (userId !== undefined) out.userId = userId;
      if (token !== undefined) out.token = token;
      if (deviceId !== undefined) out.deviceId = deviceId;
    }
    return out;
  }

  /** Session fields for a composed request (§3.2); sid is ours, never the agents'. */
  requestFields(opts: { withExisting?: boolean } = {}): Record<string, unknown> {
    const out: PlainObject = { clientId: this.fields.clientId };
    if (opts.withExisting) {
      if (this.fields.existingClientId !== undefined) out.existingClientId = this.fields.existingClientId;
      if (this.fields.existingClientIds !== undefined) out.existingClientIds = [...this.fields.existingClientIds];
    }
    for (const key of IDENTITY_FIELDS) {
      const value = this.fields[key];
      if (value !== undefined) out[key] = value;
    }
    return out;
  }
}
