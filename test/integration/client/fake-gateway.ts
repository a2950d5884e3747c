import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { Server, type Socket } from 'socket.io';

interface FakeSession {
  clientId: string;
  userId?: string;
  /** Pushes sent but not acked, re-sent to the session's next socket like the broker would. */
  unacked: Map<string, Record<string, unknown>>;
}

/**
 * A stand-in gateway that speaks PROTOCOL §2 with keys it makes up, so the
 * SDK's reconnect, queue, ack and de-duplication logic can be driven
 * step by step. Re-sends happen when the test says so, never on a timer.
 */
export class FakeGateway {
  readonly received: Array<{ event: string; payload: unknown }> = [];
  readonly acks: string[] = [];
  /** The last key handed out. */
  lastKey: string | undefined;
  private readonly sessions = new Map<string, FakeSession>();
  private readonly live = new Map<Socket, FakeSession>();
  private paused = false;
  private counter = 0;
  /** Sockets whose Socket.IO connect is never answered, and handshakes never answered (see stall()). */
  private stalls = { sockets: 0, handshakes: 0 };
  /** Sockets that reached the server (stalled ones included). */
  attempts = 0;

  private constructor(
    private readonly io: Server,
    readonly url: string,
  ) {}

  static async start(): Promise<FakeGateway> {
    const http = createServer();
    const io = new Server(http, { transports: ['websocket'] });
    await new Promise<void>((resolve) => http.listen(0, '127.0.0.1', resolve));
    const port = (http.address() as AddressInfo).port;
    const fake = new FakeGateway(io, `http://127.0.0.1:${port}`);
    io.use((_socket, next) => {
      fake.attempts++;
      // A stalled socket: the middleware never calls next, so its Socket.IO connect is never answered.
      if (fake.stalls.sockets > 0) {
        fake.stalls.sockets--;
        return;
      }
      next(fake.paused ? new Error('paused by test') : undefined);
    });
    io.on('connection', (socket) => fake.accept(socket));
    return fake;
  }

  /** Refuse new sockets (each attempt gets connect_error) until resume(). */
  pause(): void {
    this.paused = true;
  }

  resume(): void {
    this.paused = false;
  }

  /** The next `sockets` sockets are never let in, then the next `handshakes` connect/reconnect messages are never answered. */
  stall(counts: { sockets?: number; handshakes?: number }): void {
    this.stalls = { sockets: counts.sockets ?? 0, handshakes: counts.handshakes ?? 0 };
  }

  /** Disconnect every socket from the server side, as a gateway restart would. */
  dropAll(): void {
    this.io.disconnectSockets(true);
  }

  /** Send every unacked push again, as the gateway's resend timer would. */
  resendUnacked(): void {
    for (const [socket, session] of this.live) {
      for (const push of session.unacked.values()) socket.emit('push', push);
    }
  }

  /** Push a message to every live socket (no correspondingMessageId unless given). */
  pushAll(message: Record<string, unknown>): void {
    for (const [socket, session] of this.live) {
      const id = message.correspondingMessageId;
      if (typeof id === 'string') session.unacked.set(id, message);
      socket.emit('push', message);
    }
  }

  get socketCount(): number {
    return this.live.size;
  }

  eventsNamed(event: string): unknown[] {
    return this.received.filter((r) => r.event === event).map((r) => r.payload);
  }

  async close(): Promise<void> {
    await new Promise<void>((resolve) => this.io.close(() => resolve()));
  }

  private accept(socket: Socket): void {
    socket.onAny((event: string, payload: unknown) => {
      this.received.push({ event, payload });
      if (event === 'message') this.onMessage(socket, payload as Record<string, unknown>);
      else this.onAgentEvent(socket, event, payload as Record<string, unknown>);
    });
    socket.on('disconnect', () => this.live.delete(socket));
  }

  private onMessage(socket: Socket, payload: Record<string, unknown>): void {
    if (('connect' in payload || 'reconnect' in payload) && this.stalls.handshakes > 0) {
      this.stalls.handshakes--;
      return;
    }
    if ('connect' in payload) this.start(socket, this.newSession());
    if ('reconnect' in payload) {
      const key = (payload.reconnect as { reconnectId?: unknown } | null)?.reconnectId;
      const old = typeof key === 'string' ? this.sessions.get(key) : undefined;
      if (old === undefined) {
        socket.emit('gatewayError', { code: 'INVALID_RECONNECT_KEY', message: 'The reconnect key is invalid.' });
        this.start(socket, this.newSession());
      } else {
        this.start(socket, { ...old, clientId: this.nextId() });
      }
    }
    if ('ack' in payload) {
      const id = (payload.ack as { correspondingMessageId: string }).correspondingMessageId;
      this.acks.push(id);
      this.live.get(socket)?.unacked.delete(id);
    }
  }

  private onAgentEvent(socket: Socket, event: string, payload: Record<string, unknown>): void {
    const session = this.live.get(socket);
    if (session === undefined) {
      socket.emit('gatewayError', { code: 'NOT_CONNECTED', message: 'Send connect first.', event });
      return;
    }
    const messageId = payload?.messageId as string | undefined;
    if (event === 'logout') {
      delete session.userId;
      this.sendKey(socket, session);
      socket.emit('gatewayDisconnect', { reason: 'logout', resumable: false });
      socket.disconnect(true);
      return;
    }
    if (event === 'silent') return;
    if (event === 'failing') {
      socket.emit('gatewayError', { code: 'AGENT_UNAVAILABLE', message: 'No agent.', event, messageId });
      return;
    }
    if (event === 'authenticateUserAccount') {
      session.userId = 'demo-user';
      this.reply(socket, session, {
        cn: 'com.percero.agents.auth.vo.AuthenticateUserAccountResponse',
        correspondingMessageId: messageId,
        result: { user: { ID: 'demo-user' } },
      });
      this.sendKey(socket, session);
      return;
    }
    this.reply(socket, session, {
      cn: `com.percero.agents.sync.vo.${event[0]!.toUpperCase()}${event.slice(1)}Response`,
      correspondingMessageId: messageId,
      result: payload,
    });
  }

  private reply(socket: Socket, session: FakeSession, push: Record<string, unknown>): void {
    session.unacked.set(push.correspondingMessageId as string, push);
    socket.emit('push', push);
  }

  private start(socket: Socket, session: FakeSession): void {
    this.live.set(socket, session);
    this.sendKey(socket, session);
    for (const push of session.unacked.values()) socket.emit('push', push);
  }

  private sendKey(socket: Socket, session: FakeSession): void {
    const pub: Record<string, unknown> = { clientId: session.clientId, savedAt: Date.now() };
    if (session.userId !== undefined) pub.userId = session.userId;
    const key = `${Buffer.from(JSON.stringify(pub)).toString('base64')};v1.fake.${this.nextId()}`;
    this.sessions.set(key, session);
    this.lastKey = key;
    socket.emit('gatewayConnectAck', key);
  }

  private newSession(): FakeSession {
    return { clientId: this.nextId(), unacked: new Map() };
  }

  private nextId(): string {
    this.counter += 1;
    return this.counter.toString(16).padStart(32, '0');
  }
}
