import type { Socket } from 'socket.io-client';
import { createClient, type ActiveStackClient } from '../../../src/client/index.js';
import type { ReconnectOptions } from '../../../src/client/types.js';
import { FAULT_PUSH_CN, FAULT_USER } from './fault-agent.js';

/** One SDK client as a user runs it, with what it got counted at the transport and at the app. */
export class FleetClient {
  readonly sdk: ActiveStackClient;
  /** Its first clientId: the fault agent's name for it. */
  id = '';
  /** Fault pushes handed to the app (the SDK drops copies). */
  readonly unique = new Set<string>();
  /** Fault pushes that arrived on the socket, copies included. */
  transportPushes = 0;
  duplicates = 0;
  keyRefused = 0;
  cuts = 0;
  /** ms without a socket, one entry per drop that came back. */
  readonly downtimes: number[] = [];
  downSince: number | undefined;
  /** ms from a drop to the socket being connected again (before the session is resumed). */
  readonly socketDowntimes: number[] = [];
  nextCutAt = Infinity;
  /** The gateway ended it for good (gatewayDisconnect, not resumable): why. */
  endedWith: string | undefined;
  /** The last few things that happened to it (ms since start, what): printed for a client that never came back. */
  readonly trail: string[] = [];
  private readonly bornAt = Date.now();

  private note(what: string): void {
    this.trail.push(`${Date.now() - this.bornAt} ${what}`);
    if (this.trail.length > 12) this.trail.shift();
  }

  /** What the SDK's state machine and its socket say now (for a client that never came back). */
  describe(): string {
    const sdk = this.sdk as unknown as { state: string; attempt: number; socket: Socket };
    const engine = (sdk.socket.io as unknown as { _readyState?: string; engine?: { readyState?: string } });
    const ws = (engine.engine as unknown as { transport?: { ws?: { _socket?: { localPort?: number } } } } | undefined)?.transport?.ws?._socket;
    return `port ${ws?.localPort} client ${this.id} now ${this.sdk.session?.clientId ?? '-'}: sdk ${sdk.state}, attempt ${sdk.attempt}, socket ${sdk.socket.connected ? 'connected' : 'not connected'}, manager ${engine._readyState}, engine ${engine.engine?.readyState}; ${this.trail.join(' | ')}`;
  }

  constructor(url: string, reconnect: ReconnectOptions) {
    this.sdk = createClient({ url, reconnect, requestTimeoutMs: 60_000 });
    // The SDK keeps its socket private; the transport count must see every copy.
    const socket = (this.sdk as unknown as { socket: Socket }).socket;
    socket.on('push', (m: { cn?: string }) => {
      if (m?.cn === FAULT_PUSH_CN) this.transportPushes++;
    });
    this.sdk.on('push', (m) => {
      if (m.cn === FAULT_PUSH_CN && typeof m.correspondingMessageId === 'string') this.unique.add(m.correspondingMessageId);
    });
    socket.on('connect', () => {
      this.note('socket connect');
      if (this.downSince !== undefined) this.socketDowntimes.push(Date.now() - this.downSince);
    });
    this.sdk.on('duplicate', (m) => {
      if (m.cn === FAULT_PUSH_CN) this.duplicates++;
    });
    socket.on('connect_error', (err: Error) => this.note(`connect_error ${err.message}`));
    this.sdk.on('disconnect', (reason) => {
      this.note(`disconnect ${String(reason)}`);
      this.downSince ??= Date.now();
    });
    this.sdk.on('session', (_s, change) => {
      this.note(`session ${change}`);
      if (change === 'fresh') this.keyRefused++;
      if (change !== 'changed' && this.downSince !== undefined) {
        this.downtimes.push(Date.now() - this.downSince);
        this.downSince = undefined;
      }
    });
    this.sdk.on('error', (err) => this.note(`error ${err.code} ${err.message}`));
    this.sdk.on('closed', (info) => {
      this.endedWith = info.reason;
      this.note(`closed ${info.reason}`);
    });
  }

  get up(): boolean {
    return this.sdk.connected;
  }

  /** Connects and logs in as the demo user; resolves once the login reached the agent. */
  async start(): Promise<void> {
    await this.sdk.connect();
    const loggedIn = new Promise<void>((resolve) => {
      const off = this.sdk.on('session', (s) => {
        if (s.userId === FAULT_USER.userId) {
          off();
          resolve();
        }
      });
    });
    await this.sdk.request('authenticateUserAccount', { credential: { username: FAULT_USER.username, password: FAULT_USER.password } });
    await loggedIn;
    this.id = this.sdk.session!.clientId;
  }

  /** Cuts the connection as a network failure would; the SDK resumes with its key after its retry delay. */
  cut(): void {
    if (!this.sdk.connected) return;
    this.cuts++;
    this.note('cut');
    this.sdk.drop();
  }

  close(): void {
    this.sdk.close();
  }
}

/** Starts `count` clients, `parallel` at a time (a stampede of logins is not what is measured). */
export async function startFleet(url: string, count: number, reconnect: ReconnectOptions, parallel = 25): Promise<FleetClient[]> {
  const clients = Array.from({ length: count }, () => new FleetClient(url, reconnect));
  let next = 0;
  const failures: unknown[] = [];
  await Promise.all(
    Array.from({ length: Math.min(parallel, count) }, async () => {
      while (next < clients.length) {
        const c = clients[next++]!;
        try {
          await c.start();
        } catch (err) {
          failures.push(err);
        }
      }
    }),
  );
  if (failures.length > 0) {
    for (const c of clients) c.close();
    throw new Error(`${failures.length} of ${count} clients could not connect and log in; first: ${String(failures[0])}`);
  }
  return clients;
}

/**
 * Cuts every client's connection every ~everyMs (± jitterMs) while
 * `stillCutting` holds for it. Returns the function that stops it.
 */
export function jitterCuts(clients: FleetClient[], everyMs: number, jitterMs: number, stillCutting: (c: FleetClient) => boolean): () => void {
  const draw = (): number => everyMs + (Math.random() * 2 - 1) * jitterMs;
  const now = Date.now();
  for (const c of clients) c.nextCutAt = now + Math.random() * everyMs + jitterMs;
  const timer = setInterval(() => {
    const t = Date.now();
    for (const c of clients) {
      if (c.nextCutAt > t) continue;
      c.nextCutAt = t + draw();
      if (stillCutting(c)) c.cut();
    }
  }, 50);
  return () => clearInterval(timer);
}
