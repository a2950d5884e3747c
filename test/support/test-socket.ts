import { io, type Socket } from 'socket.io-client';

export interface Received {
  readonly event: string;
  readonly data: unknown;
}

/**
 * A real socket.io-client socket that records everything it receives, with
 * waits for the next matching event. Waits time out with a message that
 * says what was received instead.
 */
export class TestSocket {
  readonly socket: Socket;
  readonly received: Received[] = [];
  private waiters: Array<{ match: (r: Received) => boolean; resolve: (r: Received) => void }> = [];

  constructor(url: string, opts: { autoConnect?: boolean; path?: string } = {}) {
    this.socket = io(url, {
      path: opts.path ?? '/socket.io',
      transports: ['websocket'],
      reconnection: false,
      forceNew: true,
      autoConnect: opts.autoConnect ?? true,
    });
    this.socket.onAny((event: string, data: unknown) => this.record({ event, data }));
    this.socket.on('disconnect', (reason) => this.record({ event: 'disconnect', data: reason }));
  }

  static async open(url: string): Promise<TestSocket> {
    const s = new TestSocket(url);
    await s.connected();
    return s;
  }

  connected(timeoutMs = 5000): Promise<void> {
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

  emit(event: string, payload?: unknown): void {
    this.socket.emit(event, payload);
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
        reject(new Error(`timed out waiting for ${event}; received: ${JSON.stringify(this.received).slice(0, 2000)}`));
      }, timeoutMs);
      this.waiters.push(waiter);
    });
  }

  /** Every received event of that name, without consuming them. */
  all(event: string): unknown[] {
    return this.received.filter((r) => r.event === event).map((r) => r.data);
  }

  close(): void {
    this.socket.disconnect();
  }

  private record(r: Received): void {
    const i = this.waiters.findIndex((w) => w.match(r));
    if (i >= 0) {
      const [w] = this.waiters.splice(i, 1);
      w!.resolve(r);
      return;
    }
    this.received.push(r);
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
