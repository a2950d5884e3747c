import { io, type Socket } from 'socket.io-client';
import { backoffDelay } from './backoff.js';
import { ActiveStackError, closedError } from './client-error.js';
import { Emitter } from './emitter.js';
import { memoryKeyStorage } from './key-storage.js';
import { newMessageId } from './message-id.js';
import { PendingRequests } from './pending-requests.js';
import { decodePublicSession } from './public-session.js';
import { PushAcks } from './push-acks.js';
import type {
  ClientEvents,
  ClientOptions,
  DisconnectNotice,
  GatewayErrorPayload,
  PublicSession,
  PushContext,
  PushHandler,
  PushMessage,
  ReconnectOptions,
  RequestOptions,
} from './types.js';

type State = 'idle' | 'connecting' | 'handshaking' | 'ready' | 'closed';

const DEFAULT_RECONNECT: ReconnectOptions = { initialMs: 500, maxMs: 10_000 };

/** An ActiveStack gateway client: one socket, one session, resumed across drops. */
export class ActiveStackClient {
  private readonly socket: Socket;
  private readonly events = new Emitter<ClientEvents>((event, err) => this.listenerFailed(event, err));
  private readonly requests: PendingRequests;
  private readonly acks: PushAcks;
  private readonly storage;
  private readonly reconnectOptions: ReconnectOptions;
  private readonly requestTimeoutMs: number;
  private readonly handshakeTimeoutMs: number;
  private handshakeTimer: ReturnType<typeof setTimeout> | undefined;
  private state: State = 'idle';
  private current: PublicSession | null = null;
  private everReady = false;
  private attempt = 0;
  private retryTimer: ReturnType<typeof setTimeout> | undefined;
  private sentKey = false;
  private keyRefused = false;
  /** The gateway's `gatewayDisconnect` for the socket now closing, if it sent one. */
  private notice: DisconnectNotice | undefined;
  private connectWaiters: Array<{ resolve(s: PublicSession): void; reject(e: ActiveStackError): void }> = [];
  private disconnectWaiters: Array<() => void> = [];

  constructor(options: ClientOptions) {
    this.storage = options.storage ?? memoryKeyStorage();
    this.reconnectOptions = options.reconnect ?? DEFAULT_RECONNECT;
    this.requestTimeoutMs = options.requestTimeoutMs ?? 30_000;
    this.handshakeTimeoutMs = options.handshakeTimeoutMs ?? 15_000;
    this.requests = new PendingRequests(options.queueLimit ?? 100);
    this.acks = new PushAcks(options.dedupWindow ?? 1000);
    // Reconnection is driven here: socket.io-client does not retry after a
    // server-side disconnect, and each retry must present the latest key.
    this.socket = io(options.url, {
      path: options.path ?? '/socket.io',
      transports: options.transports ?? ['websocket'],
      reconnection: false,
      autoConnect: false,
      forceNew: true,
    });
    this.socket.on('connect', () => this.onSocketConnect());
    this.socket.on('gatewayConnectAck', (key: unknown) => this.onConnectAck(key));
    this.socket.on('gatewayError', (payload: unknown) => this.onGatewayError(payload));
    this.socket.on('push', (message: unknown) => this.onPush(message));
    this.socket.on('gatewayDisconnect', (notice: unknown) => this.onGatewayDisconnect(notice));
    this.socket.on('disconnect', (reason: string) => this.onDisconnect(reason));
    this.socket.on('connect_error', (err: Error) => this.onConnectError(err));
  }

  /** The session as the latest key tells it; null before the first `gatewayConnectAck`. */
  get session(): PublicSession | null {
    return this.current;
  }

  /** True while a session is live and requests go out at once. */
  get connected(): boolean {
    return this.state === 'ready';
  }

  /** Opens the socket and starts (or, with a stored key, resumes) the session. */
  connect(): Promise<PublicSession> {
    if (this.state === 'closed') return Promise.reject(closedError());
    if (this.state === 'ready' && this.current !== null) return Promise.resolve(this.current);
    const waiting = new Promise<PublicSession>((resolve, reject) => this.connectWaiters.push({ resolve, reject }));
    if (this.state === 'idle') {
      this.state = 'connecting';
      this.openSocket();
    }
    return waiting;
  }

  /**
   * Sends agent event `event` with a fresh `messageId` and resolves with the
   * push that answers it. Waits in the queue while there is no session.
   */
  request(event: string, payload: Record<string, unknown> = {}, options: RequestOptions = {}): Promise<PushMessage> {
    if (this.state === 'closed') return Promise.reject(closedError());
    if (typeof event !== 'string' || event === '' || event === 'message') {
      return Promise.reject(new ActiveStackError('BAD_REQUEST', `"${String(event)}" is not an agent event name.`));
    }
    if (typeof payload !== 'object' || payload === null || Array.isArray(payload)) {
      return Promise.reject(new ActiveStackError('BAD_REQUEST', 'The payload must be a plain object.', { event }));
    }
    const timeout = options.timeout ?? this.requestTimeoutMs;
    const messageId = newMessageId();
    const body = { ...payload, messageId };
    const ready = this.state === 'ready';
    const reply = this.requests.add(messageId, event, body, timeout, !ready);
    if (ready) this.socket.emit(event, body);
    return reply;
  }

  /** Listens to every push, or only to those whose `cn` (full or last segment) matches. */
  on(event: 'push', cn: string, handler: PushHandler): () => void;
  on<K extends keyof ClientEvents>(event: K, handler: ClientEvents[K]): () => void;
  on(event: keyof ClientEvents, cnOrHandler: string | ClientEvents[keyof ClientEvents], handler?: PushHandler): () => void {
    if (typeof cnOrHandler === 'string') {
      if (event !== 'push' || handler === undefined) throw new TypeError('A cn filter is only for on("push", cn, handler).');
      const cn = cnOrHandler;
      return this.events.on('push', (push, ctx) => {
        if (push.cn === cn || push.cn?.slice(push.cn.lastIndexOf('.') + 1) === cn) handler(push, ctx);
      });
    }
    return this.events.on(event, cnOrHandler as never);
  }

  /**
   * Logs the session out; resolves once the gateway closed the socket. The
   * client then stops (a `closed` event with reason `logout`) and forgets
   * its key: `connect()` starts a fresh session.
   */
  logout(): Promise<void> {
    if (this.state !== 'ready') {
      return Promise.reject(new ActiveStackError('NOT_CONNECTED', 'There is no live session to log out.'));
    }
    const gone = new Promise<void>((resolve) => this.disconnectWaiters.push(resolve));
    this.socket.emit('logout', {});
    return gone;
  }

  /** Closes the transport as a network failure would; the client resumes by itself. */
  drop(): void {
    this.socket.io.engine?.close();
  }

  /** Ends the client for good: every request and wait is rejected, every timer cleared. Idempotent. */
  close(): void {
    if (this.state === 'closed') return;
    const wasConnected = this.socket.connected;
    this.state = 'closed';
    clearTimeout(this.retryTimer);
    clearTimeout(this.handshakeTimer);
    this.requests.rejectAll((event, messageId) => closedError(event, messageId));
    for (const waiter of this.connectWaiters.splice(0)) waiter.reject(closedError());
    for (const resolve of this.disconnectWaiters.splice(0)) resolve();
    this.socket.removeAllListeners();
    this.socket.disconnect();
    if (wasConnected) this.events.emit('disconnect', 'client close');
    this.events.clear();
  }

  private onSocketConnect(): void {
    if (this.state === 'closed') return;
    this.state = 'handshaking';
    this.notice = undefined;
    const key = this.storage.get();
    this.sentKey = key !== null;
    this.keyRefused = false;
    this.socket.emit('message', key === null ? { connect: {} } : { reconnect: { reconnectId: key } });
  }

  private onConnectAck(key: unknown): void {
    if (typeof key !== 'string') {
      this.fail(new ActiveStackError('BAD_KEY', 'The gateway sent a session key that is not a string.'));
      return;
    }
    this.storage.set(key);
    let session: PublicSession;
    try {
      session = decodePublicSession(key);
    } catch (err) {
      this.fail(err as ActiveStackError);
      return;
    }
    this.current = session;
    if (this.state !== 'handshaking') {
      this.events.emit('session', session, 'changed');
      return;
    }
    this.state = 'ready';
    this.attempt = 0;
    clearTimeout(this.handshakeTimer);
    const restored = this.sentKey && !this.keyRefused;
    this.events.emit('session', session, restored ? 'restored' : this.sentKey ? 'fresh' : 'connected');
    if (this.everReady) this.events.emit('reconnect', { session, restored });
    this.everReady = true;
    for (const waiter of this.connectWaiters.splice(0)) waiter.resolve(session);
    for (const queued of this.requests.drainQueue()) this.socket.emit(queued.event, queued.payload);
  }

  private onGatewayError(payload: unknown): void {
    const p = (typeof payload === 'object' && payload !== null ? payload : {}) as Partial<GatewayErrorPayload>;
    const code = typeof p.code === 'string' ? p.code : 'UNKNOWN';
    const details: { event?: string; messageId?: string } = {};
    if (typeof p.event === 'string') details.event = p.event;
    if (typeof p.messageId === 'string') details.messageId = p.messageId;
    const error = new ActiveStackError(code, typeof p.message === 'string' ? p.message : code, details);
    if (code === 'INVALID_RECONNECT_KEY') {
      this.keyRefused = true;
      this.storage.clear();
    }
    if (details.messageId !== undefined && this.requests.reject(details.messageId, error)) return;
    this.fail(error);
  }

  private onPush(message: unknown): void {
    if (typeof message !== 'object' || message === null) return;
    const push = message as PushMessage;
    const id = push.correspondingMessageId;
    if (typeof id !== 'string') {
      this.events.emit('push', push, { holdAck: () => () => undefined });
      return;
    }
    const verdict = this.acks.receive(id);
    if (verdict === 'ack-again') this.sendAck(id);
    if (verdict !== 'deliver') {
      this.events.emit('duplicate', push);
      return;
    }
    let holding = true;
    const ctx: PushContext = {
      holdAck: () => {
        if (!holding) throw new TypeError('holdAck() must be called while the handler runs.');
        this.acks.hold(id);
        let released = false;
        return () => {
          if (released) return;
          released = true;
          if (this.acks.release(id)) this.sendAck(id);
        };
      },
    };
    this.acks.hold(id);
    this.requests.resolve(id, push);
    this.events.emit('push', push, ctx);
    holding = false;
    if (this.acks.release(id)) this.sendAck(id);
  }

  private sendAck(id: string): void {
    // Without a socket the ack is lost, but the copy sent to the next session is acked on arrival.
    if (this.socket.connected) this.socket.emit('message', { ack: { correspondingMessageId: id } });
  }

  /** PROTOCOL §8: the gateway says why it is about to close the socket, and whether to come back. */
  private onGatewayDisconnect(payload: unknown): void {
    const p = (typeof payload === 'object' && payload !== null ? payload : {}) as Partial<DisconnectNotice>;
    if (typeof p.reason !== 'string' || typeof p.resumable !== 'boolean') return;
    this.notice = { reason: p.reason, resumable: p.resumable };
  }

  private onDisconnect(transportReason: string): void {
    if (this.state === 'closed') return;
    clearTimeout(this.handshakeTimer);
    const notice = this.notice;
    this.notice = undefined;
    const stops = notice !== undefined && !notice.resumable;
    this.state = stops ? 'idle' : 'connecting';
    this.events.emit('disconnect', notice?.reason ?? transportReason);
    for (const resolve of this.disconnectWaiters.splice(0)) resolve();
    // Without a notice (network, an old gateway) or with a resumable one: come back with the key.
    if (stops) this.stop(notice);
    else this.scheduleRetry();
  }

  /**
   * The gateway ended the session for good (logout, eol, rate-limited):
   * no retry, the key is forgotten (it names a session that is over; a
   * later `connect()` starts fresh), waiting requests fail with CLOSED.
   */
  private stop(notice: DisconnectNotice): void {
    clearTimeout(this.retryTimer);
    this.storage.clear();
    this.current = null;
    this.everReady = false;
    this.attempt = 0;
    const ended = (event?: string, messageId?: string): ActiveStackError =>
      new ActiveStackError('CLOSED', `The gateway ended the session (${notice.reason}).`, {
        ...(event !== undefined ? { event } : {}),
        ...(messageId !== undefined ? { messageId } : {}),
      });
    this.requests.rejectAll(ended);
    for (const waiter of this.connectWaiters.splice(0)) waiter.reject(ended());
    this.events.emit('closed', { reason: notice.reason, resumable: false });
  }

  private onConnectError(err: Error): void {
    if (this.state === 'closed') return;
    clearTimeout(this.handshakeTimer);
    if (!this.everReady) {
      // The first connect fails fast so a wrong URL is an error, not a silent retry loop.
      this.state = 'idle';
      const error = new ActiveStackError('CONNECT_FAILED', `Cannot reach the gateway: ${err.message}`, { cause: err });
      for (const waiter of this.connectWaiters.splice(0)) waiter.reject(error);
      return;
    }
    this.fail(new ActiveStackError('CONNECT_FAILED', `Reconnect failed: ${err.message}`, { cause: err }));
    this.scheduleRetry();
  }

  private scheduleRetry(): void {
    clearTimeout(this.retryTimer);
    const delay = backoffDelay(this.attempt, this.reconnectOptions);
    this.attempt += 1;
    this.retryTimer = setTimeout(() => {
      if (this.state === 'connecting') this.openSocket();
    }, delay);
  }

  /** Opens the socket; the whole handshake must be over within handshakeTimeoutMs. */
  private openSocket(): void {
    clearTimeout(this.handshakeTimer);
    this.handshakeTimer = setTimeout(() => this.onHandshakeTimeout(), this.handshakeTimeoutMs);
    this.socket.connect();
  }

  /** The socket opened (or not) but the gateway never acknowledged the session: drop it and try again. */
  private onHandshakeTimeout(): void {
    if (this.state !== 'connecting' && this.state !== 'handshaking') return;
    this.fail(new ActiveStackError('HANDSHAKE_TIMEOUT', `The gateway did not answer the handshake within ${this.handshakeTimeoutMs} ms; trying again.`));
    const wasConnected = this.socket.connected;
    this.socket.disconnect();
    // Connected: the disconnect event that follows schedules the retry. Not connected: socket.io-client emits nothing.
    if (wasConnected) return;
    this.state = 'connecting';
    this.scheduleRetry();
  }

  private fail(error: ActiveStackError): void {
    this.events.emit('error', error);
  }

  private listenerFailed(event: keyof ClientEvents, err: unknown): void {
    if (event !== 'error') {
      this.fail(new ActiveStackError('HANDLER_FAILED', `A "${event}" handler threw.`, { cause: err }));
      return;
    }
    // An error handler that throws has nowhere left to report to: surface it as uncaught.
    setTimeout(() => {
      throw err;
    }, 0);
  }
}

/** Creates a client; nothing is sent until `connect()`. */
export function createClient(options: ClientOptions): ActiveStackClient {
  return new ActiveStackClient(options);
}
