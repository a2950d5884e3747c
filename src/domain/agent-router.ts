import { isPlainObject, type PlainObject } from './plain-object.js';
import type { LoginData, Session } from './session.js';

/** §2.2: allowed before login. */
export const DEFAULT_UNAUTHENTICATED_EVENTS: readonly string[] = Object.freeze([
  'authenticateOAuthAccessToken',
  'authenticateOAuthCode',
  'authenticateUserAccount',
  'register',
  'authenticate',
  'reauthenticate',
  'getAllServiceProviders',
  'getOAuthRequestToken',
  'getRegAppOAuths',
  'getRegisteredApplication',
  'getServiceUsers',
  'logoutUser',
  'testCall',
  'validateUserByToken',
]);

/** §2.2: need a session with a userId. */
export const DEFAULT_AUTHENTICATED_EVENTS: readonly string[] = Object.freeze([
  'createObject',
  'create',
  'delete',
  'deletesReceived',
  'logout',
  'findByExample',
  'findById',
  'findByIds',
  'findUnique',
  'getHistory',
  'countAllByName',
  'getAllByName',
  'processTransaction',
  'putObject',
  'removeObject',
  'runProcess',
  'runQuery',
  'searchByExample',
  'update',
  'updatesReceived',
  'upgradeClient',
  'getChangeWatcher',
]);

export type EventKind = 'unauthenticated' | 'authenticated' | 'unknown';

export type ReplyMeaning =
  | { kind: 'eol'; ignore: boolean }
  | { kind: 'login'; login: LoginData }
  | { kind: 'logout' }
  | { kind: 'reconnect-response'; logout: boolean }
  | { kind: 'plain' };

/** Most replies mean nothing for the session: one shared answer instead of an object per delivery. */
const PLAIN: ReplyMeaning = Object.freeze({ kind: 'plain' });

const CN = {
  connect: 'com.percero.agents.sync.vo.ConnectRequest',
  reconnect: 'com.percero.agents.sync.vo.ReconnectRequest',
  disconnect: 'com.percero.agents.sync.vo.DisconnectRequest',
  disconnectAuth: 'com.percero.agents.auth.vo.DisconnectRequest',
  hibernate: 'com.percero.agents.sync.vo.HibernateRequest',
} as const;

/** Replies whose `result.user` logs the client in (§3.3). */
const AUTH_RESPONSES: ReadonlySet<string> = new Set([
  'AuthenticateUserAccountResponse',
  'AuthenticateOAuthCodeResponse',
  'AuthenticateOAuthAccessTokenResponse',
  'AuthenticationResponse',
]);

function own(obj: PlainObject, key: string): unknown {
  return Object.prototype.hasOwnProperty.call(obj, key) ? obj[key] : undefined;
}

function nonEmptyString(value: unknown): value is string {
  return typeof value === 'string' && value.length > 0;
}

/** Backends send ids as strings; a numeric id is accepted as its decimal text. */
function idOf(user: unknown): string | undefined {
  if (!isPlainObject(user)) return undefined;
  for (const key of ['ID', 'id']) {
    const value = own(user, key);
    if (nonEmptyString(value)) return value;
    if (typeof value === 'number' && Number.isFinite(value)) return String(value);
  }
  return undefined;
}

function loginFrom(holder: unknown, user: unknown): LoginData | undefined {
  if (!isPlainObject(holder)) return undefined;
  const userId = idOf(user);
  if (userId === undefined) return undefined;
  const login: LoginData = { userId };
  const token = own(holder, 'token');
  const deviceId = own(holder, 'deviceId');
  if (typeof token === 'string') login.token = token;
  if (typeof deviceId === 'string') login.deviceId = deviceId;
  return login;
}

/** Which events exist, what an agent reply means, and which requests the gateway composes. */
export class AgentRouter {
  private readonly unauthenticated: ReadonlySet<string>;
  private readonly authenticated: ReadonlySet<string>;

  constructor(opts: { unauthenticatedEvents?: readonly string[]; authenticatedEvents?: readonly string[] } = {}) {
    this.unauthenticated = new Set(opts.unauthenticatedEvents ?? DEFAULT_UNAUTHENTICATED_EVENTS);
    this.authenticated = new Set(opts.authenticatedEvents ?? DEFAULT_AUTHENTICATED_EVENTS);
  }

  /** An event in both lists needs login: the safer reading of a configuration slip. */
  classify(event: string): EventKind {
    if (this.authenticated.has(event)) return 'authenticated';
    if (this.unauthenticated.has(event)) return 'unauthenticated';
    return 'unknown';
  }

  /** §3.3 steps 2-3. */
  interpretReply(message: Record<string, unknown>, clientId: string): ReplyMeaning {
    if (own(message, 'EOL')) {
      const target = own(message, 'clientId');
      return { kind: 'eol', ignore: nonEmptyString(target) && target !== clientId };
    }
    const cn = own(message, 'cn');
    const name = typeof cn === 'string' ? cn.slice(cn.lastIndexOf('.') + 1) : '';
    const hasClientId = nonEmptyString(own(message, 'clientId'));
    if (name === 'UserToken') {
      const login = loginFrom(message, own(message, 'user'));
      return login ? { kind: 'login', login } : PLAIN;
    }
    if (AUTH_RESPONSES.has(name)) {
      const result = own(message, 'result');
      const login = isPlainObject(result) ? loginFrom(result, own(result, 'user')) : undefined;
      return login ? { kind: 'login', login } : PLAIN;
    }
    if (name === 'ConnectResponse') return hasClientId ? PLAIN : { kind: 'logout' };
    if (name === 'ReconnectResponse') return { kind: 'reconnect-response', logout: !hasClientId };
    return PLAIN;
  }

  connectRequest(s: Session): Record<string, unknown> {
    return { ...s.requestFields({ withExisting: true }), cn: CN.connect };
  }

  reconnectRequest(s: Session): Record<string, unknown> {
    return { ...s.requestFields({ withExisting: true }), cn: CN.reconnect };
  }

  /** §2.4: the sync disconnect leaves the reconnect history out. */
  disconnectRequest(s: Session): Record<string, unknown> {
    return { ...s.requestFields({ withExisting: false }), cn: CN.disconnect };
  }

  disconnectAuthRequest(s: Session): Record<string, unknown> {
    return { ...s.requestFields({ withExisting: true }), cn: CN.disconnectAuth };
  }

  hibernateRequest(s: Session): Record<string, unknown> {
    return { ...s.requestFields({ withExisting: true }), cn: CN.hibernate };
  }

  /** §3.2: a ReconnectRequest is due while the session still names an older client. */
  loginFollowUp(s: Session): { routingKey: 'connect' | 'reconnect'; body: Record<string, unknown> } {
    const existing = s.state.existingClientId;
    if (existing !== undefined && existing !== s.clientId) {
      return { routingKey: 'reconnect', body: this.reconnectRequest(s) };
    }
    return { routingKey: 'connect', body: this.connectRequest(s) };
  }
}
