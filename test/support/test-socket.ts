import { io, type Socket } from 'socket.io-client';
import WebSocket from 'ws';

export interface Received {
  readonly event: string;
  readonly data: unknown;
}

/** The gateway's two transports (PROTOCOL §1, §7). */
export type TransportName = 'socket.io' | 'websocket';
export const TRANSPORTS: readonly TransportName[] = ['socket.io', 'websocket'];

export interface TestSocketOptions {
  readonly transport?: TransportName;
  readonly autoConnect?: boolean;
  /** Socket.IO path (default /socket.io) or WebSocket path (default /ws). */
  readonly path?: string;
  /** Socket.IO transports (default websocket only). */
  readonly transports?: Array<'websocket' | 'polling'>;
  /** Extra handshake headers, e.g. Origin (Node clients send none unless told). */
  readonly headers?: Record<string, string>;
  /** Local address to connect from, e.g. 127.0.0.2, to be another client address. */
  readonly localAddress?: string;
  /** How long open() waits for the connection (default 5 s). */
  readonly connectTimeoutMs?: number;
}

/** How a TestSocket reaches the gateway: one implementation per transport. */
interface Wire {
  readonly connected: boolean;
  connect(): void;
  send(event: string, payload: unknown): void;
  close(): void;
  /** Resolves once connected; rejects on a connect error. */
  whenConnected(timeoutMs: number): Promise<void>;
}

/**
 * A real client socket (socket.io-client or a raw WebSocket) that records
 * everything it receives, with waits for the next matching event. A close
 * is recorded as event `disconnect` (data: the reason, or `ws close <code>
 * <reason>`). Waits time out with a message that says what was received.
 */
export class TestSocket {
  readonly received: Received[] = [];
  readonly transport: TransportName;
  private readonly wire: Wire;
  private waiters: Array<{ match: (r: Received) => boolean; resolve: (r: Received) => void }> = [];
  private listeners: Array<{ event: string; fn: (data: any) => void }> = [];
  private ioSocket: Socket | undefined;

  constructor(url: string, opts: TestSocketOptions = {}) {
    this.transport = opts.transport ?? 'socket.io';
    const record = (r: Received): void => this.record(r);
    if (this.transport === 'websocket') {
      this.wire = new WebSocketWire(`${url.replace(/^http/, 'ws')}${opts.path ?? '/ws'}`, record, {
        ...(opts.headers ? { headers: opts.headers } : {}),
        ...(opts.localAddress ? { localAddress: opts.localAddress } : {}),
      });
    } else {
      this.ioSocket = io(url, {
        path: opts.path ?? '/socket.io',
        transports: opts.transports ?? ['websocket'],
        reconnection: false,
        forceNew: true,
        autoConnect: false,
        ...(opts.headers ? { extraHeaders: opts.headers } : {}),
        ...(opts.localAddress ? { localAddress: opts.localAddress } : {}),
      } as Parameters<typeof io>[1]);
      this.wire = new SocketIoWire(this.ioSocket, record);
    }
    if (opts.autoConnect ?? true) this.wire.connect();
  }

  static async open(url: string, transport: TransportName = 'socket.io', opts: Omit<TestSocketOptions, 'transport'> = {}): Promise<TestSocket> {
    const s = new TestSocket(url, { ...opts, transport });
    await s.connected(opts.connectTimeoutMs);
    return s;
  }

  /** The socket.io-client socket (Socket.IO transport only). */
  get socket(): Socket {
    if (!this.ioSocket) throw new Error('not a Socket.IO test socket');
    return this.ioSocket;
  }

  get isConnected(): boolean {
    return this.wire.connected;
  }

  connect(): void {
    this.wire.connect();
  }

  connected(timeoutMs = 5000): Promise<void> {
    return this.wire.whenConnected(timeoutMs);
  }

  emit(event: string, payload?: unknown): void {
    this.wire.send(event, payload);
  }

  /** A frame sent as is (raw WebSocket only): a Buffer goes as a binary frame. */
  sendFrame(frame: string | Buffer): void {
    if (!(this.wire instanceof WebSocketWire)) throw new Error('not a raw WebSocket test socket');
    this.wire.raw?.send(frame, { binary: Buffer.isBuffer(frame) });
  }

  /** Calls fn for every later event of that name (besides recording it). */
  on(event: string, fn: (data: any) => void): void {
    this.listeners.push({ event, fn });
  }

  /** Sends `message {connect:{}}` and waits for the session key. */
  async start(): Promise<string> {
    this.emit('message', { connect: {} });
    return (await this.next('gatewayConnectAck')).data as string;
  }

  /** The next event (after the ones already consumed) matching. */
  next(event: string, match: (data: any) => boolean = () => true, timeoutMs = 5000): Promise<Received> {
    const pred = (r: Received): boolean => r.event === event && match(r.data);
    for (let i = 0; i < this.received.length; i++) {
      const r = this.received[i]!;
      if (pred(r)) {
        this.received.splice(i, 1);
        return Promise.resolve(r);
      }
    }
    return new Promise((resolve, reject) => {
      const waiter = {
        match: pred,
        resolve: (r: Received) => {
          clearTimeout(timer);
          resolve(r);
        },
      };
      const timer = setTimeout(() => {
        this.waiters = this.waiters.filter((w) => w !== waiter);
        reject(new Error(`timed out waiting for ${event} (${this.transport}); received: ${JSON.stringify(this.received).slice(0, 2000)}`));
      }, timeoutMs);
      this.waiters.push(waiter);
    });
  }

  /** Every received event of that name, without consuming them. */
  all(event: string): unknown[] {
    return this.received.filter((r) => r.event === event).map((r) => r.data);
  }

  close(): void {
    this.wire.close();
  }

  private record(r: Received): void {
    for (const l of this.listeners) if (l.event === r.event) l.fn(r.data);
    const i = this.waiters.findIndex((w) => w.match(r));
    if (i >= 0) {
      const [w] = this.waiters.splice(i, 1);
      w!.resolve(r);
      return;
    }
    this.received.push(r);
  }
}

class SocketIoWire implements Wire {
  constructor(
    private readonly socket: Socket,
    record: (r: Received) => void,
  ) {
    socket.onAny((event: string, data: unknown) => record({ event, data }));
    socket.on('disconnect', (reason) => record({ event: 'disconnect', data: reason }));
  }

  get connected(): boolean {
    return this.socket.connected;
  }

  connect(): void {
    this.socket.connect();
  }

  send(event: string, payload: unknown): void {
    this.socket.emit(event, payload);
  }

  close(): void {
    this.socket.disconnect();
  }

  whenConnected(timeoutMs: number): Promise<void> {
    if (this.socket.connected) return Promise.resolve();
    return new Promise((resolve, reject) => {
      const t = setTimeout(() => reject(new Error('socket did not connect')), timeoutMs);
      this.socket.once('connect', () => {
        clearTimeout(t);
        resolve();
      });
      this.socket.once('connect_error', (err) => {
        clearTimeout(t);
        reject(err);
      });
    });
  }
}

class WebSocketWire implements Wire {
  private ws: WebSocket | undefined;
  private open = false;
  private opened: Promise<void> | undefined;

  constructor(
    private readonly url: string,
    private readonly record: (r: Received) => void,
    private readonly options: WebSocket.ClientOptions = {},
  ) {}

  get connected(): boolean {
    return this.open;
  }

  /** The raw socket, for tests that send frames by hand. */
  get raw(): WebSocket | undefined {
    return this.ws;
  }

  connect(): void {
    if (this.ws) return;
    const ws = new WebSocket(this.url, this.options);
    this.ws = ws;
    this.opened = new Promise((resolve, reject) => {
      ws.once('open', () => {
        this.open = true;
        resolve();
      });
      ws.once('error', reject);
    });
    this.opened.catch(() => undefined);
    ws.on('message', (raw: Buffer, isBinary: boolean) => {
      if (isBinary) return this.record({ event: 'binary', data: raw });
      const { event, data } = JSON.parse(raw.toString('utf8')) as { event: string; data?: unknown };
      this.record({ event, data });
    });
    ws.on('close', (code: number, reason: Buffer) => {
      this.open = false;
      this.record({ event: 'disconnect', data: `ws close ${code} ${reason.toString('utf8')}`.trim() });
    });
    ws.on('error', () => undefined);
  }

  send(event: string, payload: unknown): void {
    if (!this.ws || this.ws.readyState !== WebSocket.OPEN) return;
    this.ws.send(JSON.stringify(payload === undefined ? { event } : { event, data: payload }));
  }

  close(): void {
    this.ws?.close();
  }

  whenConnected(timeoutMs: number): Promise<void> {
    if (this.open) return Promise.resolve();
    this.connect();
    return new Promise((resolve, reject) => {
      const t = setTimeout(() => reject(new Error('websocket did not connect')), timeoutMs);
      this.opened!.then(
        () => {
          clearTimeout(t);
          resolve();
        },
        (err: unknown) => {
          clearTimeout(t);
          reject(err);
        },
      );
    });
  }
}

/** Decodes the public part of a reconnect key. */
export function publicPart(key: string): { clientId: string; userId?: string; deviceId?: string; savedAt: number } {
  return JSON.parse(Buffer.from(key.split(';')[0]!, 'base64').toString('utf8'));
}

export function sleep(ms: number): Promise<void> {
  return new Promise((r) => setTimeout(r, ms));
}

/** Polls `check` until it holds; fails with `what` after timeoutMs. */
export async function until(check: () => boolean, what: string, timeoutMs = 5000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!check()) {
    if (Date.now() > deadline) throw new Error(`timed out waiting until ${what}`);
    await sleep(10);
  }
}
