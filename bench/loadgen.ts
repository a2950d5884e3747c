import { readFileSync } from 'node:fs';
import { performance } from 'node:perf_hooks';
import { io, type Socket } from 'socket.io-client';
import WebSocket from 'ws';
import type { ConnectResult, LoadResult, LoadgenCommand, LoadgenEvent, Transport } from './lib/loadgen-protocol.js';

/**
 * The load generator, in its own process so that its CPU is not the
 * server's. Driven by run.ts over IPC: connect N clients (optionally logged
 * in) over Socket.IO or the gateway's raw WebSocket transport, run a closed
 * or open loop of findById requests, close. A request is complete when the
 * push carrying its correspondingMessageId arrives; the client then acks
 * it, as a real client must.
 */

const LOGIN_TIMEOUT_MS = 30_000;
const DRAIN_TIMEOUT_MS = 10_000;
const MAX_ERROR_SAMPLES = 10;

interface Pending {
  sentAt: number;
  resolve?: (ok: boolean) => void;
}

/** What a bench client needs of its connection, whichever the transport. */
interface Wire {
  readonly connected: boolean;
  /** Resolves once the connection is open. */
  opened(): Promise<void>;
  emit(event: string, data: unknown): void;
  on(event: string, fn: (data: unknown) => void): void;
  off(event: string, fn: (data: unknown) => void): void;
  onClose(fn: (reason: string) => void): void;
  close(): void;
}

class SocketIoWire implements Wire {
  private readonly socket: Socket;
  constructor(url: string) {
    this.socket = io(url, { transports: ['websocket'], reconnection: false, forceNew: true, timeout: LOGIN_TIMEOUT_MS });
  }
  get connected(): boolean {
    return this.socket.connected;
  }
  opened(): Promise<void> {
    return new Promise((resolve, reject) => {
      this.socket.once('connect', () => resolve());
      this.socket.once('connect_error', (err: Error) => reject(new Error(`connect_error: ${err.message}`)));
    });
  }
  emit(event: string, data: unknown): void {
    this.socket.emit(event, data);
  }
  on(event: string, fn: (data: unknown) => void): void {
    this.socket.on(event, fn);
  }
  off(event: string, fn: (data: unknown) => void): void {
    this.socket.off(event, fn);
  }
  onClose(fn: (reason: string) => void): void {
    this.socket.on('disconnect', fn);
  }
  close(): void {
    this.socket.disconnect();
  }
}

/** PROTOCOL §7: one JSON text frame `{event, data}` per message, both ways. */
class RawWebSocketWire implements Wire {
  private readonly ws: WebSocket;
  private readonly handlers = new Map<string, Set<(data: unknown) => void>>();
  constructor(url: string) {
    this.ws = new WebSocket(url, { perMessageDeflate: false, handshakeTimeout: LOGIN_TIMEOUT_MS });
    this.ws.on('message', (raw: Buffer, isBinary: boolean) => {
      if (isBinary) return;
      const frame = JSON.parse(raw.toString('utf8')) as { event?: unknown; data?: unknown };
      if (typeof frame.event !== 'string') return;
      for (const fn of this.handlers.get(frame.event) ?? []) fn(frame.data);
    });
    // Errors after open end in a close, reported there.
    this.ws.on('error', () => undefined);
  }
  get connected(): boolean {
    return this.ws.readyState === WebSocket.OPEN;
  }
  opened(): Promise<void> {
    return new Promise((resolve, reject) => {
      this.ws.once('open', () => resolve());
      this.ws.once('error', (err: Error) => reject(new Error(`websocket: ${err.message}`)));
    });
  }
  emit(event: string, data: unknown): void {
    this.ws.send(JSON.stringify({ event, data }));
  }
  on(event: string, fn: (data: unknown) => void): void {
    let set = this.handlers.get(event);
    if (!set) this.handlers.set(event, (set = new Set()));
    set.add(fn);
  }
  off(event: string, fn: (data: unknown) => void): void {
    this.handlers.get(event)?.delete(fn);
  }
  onClose(fn: (reason: string) => void): void {
    this.ws.on('close', (code: number, reason: Buffer) => fn(`close ${code} ${reason.toString()}`));
  }
  close(): void {
    this.ws.close();
  }
}

function openWire(url: string, transport: Transport): Wire {
  return transport === 'ws' ? new RawWebSocketWire(url) : new SocketIoWire(url);
}

let errors = 0;
const errorSamples: string[] = [];
function fail(what: string): void {
  errors++;
  if (errorSamples.length < MAX_ERROR_SAMPLES) errorSamples.push(what);
}

/** Set by the running load loop: called for every completed request. */
let onComplete: ((client: BenchClient, sentAt: number, now: number) => void) | undefined;

class BenchClient {
  readonly pending = new Map<string, Pending>();
  private seq = 0;
  closing = false;
  /** The server's reply queue for this client, from the public part of its key (gateway only). */
  queue: string | undefined;

  constructor(
    readonly index: number,
    readonly wire: Wire,
  ) {
    wire.on('push', (msg: unknown) => this.onPush(msg));
    wire.on('gatewayError', (err: unknown) => fail(`gatewayError ${JSON.stringify(err).slice(0, 200)}`));
    wire.onClose((reason: string) => {
      if (!this.closing) fail(`client ${index} disconnected: ${reason}`);
      for (const p of this.pending.values()) p.resolve?.(false);
      this.pending.clear();
    });
  }

  request(event: string, payload: Record<string, unknown>, resolve?: (ok: boolean) => void): void {
    const messageId = `${this.index}-${++this.seq}`;
    this.pending.set(messageId, { sentAt: performance.now(), resolve });
    this.wire.emit(event, { ...payload, messageId });
  }

  private onPush(msg: unknown): void {
    const id = (msg as { correspondingMessageId?: unknown } | null)?.correspondingMessageId;
    if (typeof id !== 'string') return;
    // Ack every push that carries an id, re-sends included: the server holds the delivery until then.
    this.wire.emit('message', { ack: { correspondingMessageId: id } });
    const p = this.pending.get(id);
    if (!p) return;
    this.pending.delete(id);
    if (p.resolve) p.resolve(true);
    else onComplete?.(this, p.sentAt, performance.now());
  }
}

let clients: BenchClient[] = [];

function send(event: LoadgenEvent): void {
  process.send?.(event);
}

function once<T>(wire: Wire, event: string, timeoutMs: number): Promise<T> {
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => {
      wire.off(event, on);
      reject(new Error(`no ${event} within ${timeoutMs} ms`));
    }, timeoutMs);
    const on = (value: unknown): void => {
      clearTimeout(timer);
      wire.off(event, on);
      resolve(value as T);
    };
    wire.on(event, on);
  });
}

/** Connect, start and (optionally) log in one client; gives up after LOGIN_TIMEOUT_MS whatever happens. */
function openClient(url: string, transport: Transport, index: number, login: boolean): Promise<BenchClient> {
  let timer: NodeJS.Timeout | undefined;
  let giveUp: () => void = () => undefined;
  const timeout = new Promise<never>((_, reject) => {
    timer = setTimeout(() => {
      giveUp();
      reject(new Error(`not connected and logged in within ${LOGIN_TIMEOUT_MS} ms`));
    }, LOGIN_TIMEOUT_MS);
  });
  const opening = openClientSteps(url, transport, index, login, (stop) => { giveUp = stop; });
  return Promise.race([opening, timeout]).finally(() => clearTimeout(timer));
}

async function openClientSteps(url: string, transport: Transport, index: number, login: boolean, onSocket: (stop: () => void) => void): Promise<BenchClient> {
  const wire = openWire(url, transport);
  const client = new BenchClient(index, wire);
  onSocket(() => {
    client.closing = true;
    wire.close();
  });
  try {
    await wire.opened();
    const acked = once<string>(wire, 'gatewayConnectAck', LOGIN_TIMEOUT_MS);
    wire.emit('message', { connect: {} });
    client.queue = queueOf(await acked);
    if (login) {
      const ok = await new Promise<boolean>((resolve) => {
        const timer = setTimeout(() => resolve(false), LOGIN_TIMEOUT_MS);
        client.request('authenticateUserAccount', { credential: { username: 'demo', password: 'demo' } }, (done) => {
          clearTimeout(timer);
          resolve(done);
        });
      });
      if (!ok) throw new Error('login: no AuthenticateUserAccountResponse push');
    }
    return client;
  } catch (err) {
    client.closing = true;
    wire.close();
    throw err;
  }
}

/** PROTOCOL §4: `<public>;<sealed>`, public = base64 JSON with clientId = the reply queue. */
function queueOf(key: unknown): string | undefined {
  if (typeof key !== 'string') return undefined;
  // The relay deletes its queue when a socket leaves, but not when it is stopped with its sockets open.
  if (key.startsWith('relay;')) return key.slice('relay;'.length);
  try {
    const pub = JSON.parse(Buffer.from(key.split(';')[0] ?? '', 'base64').toString()) as { clientId?: unknown };
    return typeof pub.clientId === 'string' ? pub.clientId : undefined;
  } catch {
    return undefined;
  }
}

async function connectAll(cmd: Extract<LoadgenCommand, { op: 'connect' }>): Promise<ConnectResult> {
  errors = 0;
  errorSamples.length = 0;
  const started = performance.now();
  let next = 0;
  let failed = 0;
  const progress = setInterval(
    () => send({ op: 'progress', phase: 'connect', done: clients.length, total: cmd.clients, errors: failed }),
    1000,
  );
  const lane = async (): Promise<void> => {
    while (next < cmd.clients) {
      const index = cmd.firstIndex + next++;
      try {
        clients.push(await openClient(cmd.url, cmd.transport, index, cmd.login));
      } catch (err) {
        failed++;
        fail(`client ${index}: ${(err as Error).message}`);
      }
    }
  };
  try {
    await Promise.all(Array.from({ length: Math.min(cmd.concurrency, cmd.clients) }, lane));
  } finally {
    clearInterval(progress);
  }
  return { connected: clients.length, errors: failed, ms: performance.now() - started, errorSamples: [...errorSamples] };
}

const FIND_BY_ID = { theClassName: 'com.example.Thing', theClassId: '42' };

/** Waits until nothing is outstanding (or the drain timeout); what is left counts as errors. */
async function drain(): Promise<void> {
  const until = performance.now() + DRAIN_TIMEOUT_MS;
  const outstanding = (): number => clients.reduce((n, c) => n + c.pending.size, 0);
  while (outstanding() > 0 && performance.now() < until) await new Promise((r) => setTimeout(r, 20));
  const left = outstanding();
  if (left > 0) {
    const now = performance.now();
    const some = clients
      .flatMap((c) => [...c.pending].map(([id, p]) => `${id} (${((now - p.sentAt) / 1000).toFixed(1)} s ago, ${c.wire.connected ? 'connected' : 'disconnected'}, queue ${c.queue ?? '-'})`))
      .slice(0, 3);
    fail(`${left} requests got no push within ${DRAIN_TIMEOUT_MS} ms after the run, e.g. ${some.join('; ')}`);
  }
  for (const c of clients) c.pending.clear();
}

/**
 * Latencies of requests sent inside [start, end) (warm-up ones only keep
 * the loop going), and the completions that happened inside it, which is
 * what the servers' CPU over the same window is divided by.
 */
function measureWindow(warmupMs: number, durationMs: number, announce: boolean) {
  const start = performance.now() + warmupMs;
  const end = start + durationMs;
  const latencies: number[] = [];
  let announced: 'none' | 'start' | 'end' = 'none';
  const edge = (which: 'start' | 'end'): void => {
    if (!announce || announced === which || announced === 'end') return;
    if (which === 'end' && announced === 'none') send({ op: 'window', edge: 'start' });
    announced = which;
    send({ op: 'window', edge: which });
  };
  const opening = setTimeout(() => edge('start'), warmupMs);
  const w = {
    start,
    end,
    latencies,
    all: 0,
    inWindow: 0,
    record: (sentAt: number, now: number): void => {
      w.all++;
      if (now >= start && now < end) w.inWindow++;
      if (sentAt >= start && sentAt < end) latencies.push(now - sentAt);
    },
    /** The window is over: say so now (not from a timer that could lose the race with the loop's own). */
    close: (): void => {
      clearTimeout(opening);
      edge('end');
    },
  };
  return w;
}

function loadResult(w: ReturnType<typeof measureWindow>, durationMs: number): LoadResult {
  return {
    completed: w.latencies.length, allCompleted: w.all, windowCompleted: w.inWindow, errors, durationMs,
    latencies: w.latencies, errorSamples: [...errorSamples],
  };
}

async function closedLoop(cmd: Extract<LoadgenCommand, { op: 'closed' }>): Promise<LoadResult> {
  errors = 0;
  errorSamples.length = 0;
  const w = measureWindow(cmd.warmupMs, cmd.durationMs, cmd.announceWindow);
  let running = true;
  onComplete = (client, sentAt, now) => {
    w.record(sentAt, now);
    if (running && now < w.end && client.wire.connected) client.request('findById', FIND_BY_ID);
  };
  for (const c of clients) for (let i = 0; i < cmd.inflight; i++) c.request('findById', FIND_BY_ID);
  const progress = setInterval(() => send({ op: 'progress', phase: 'load', done: w.latencies.length, errors }), 1000);
  await new Promise((r) => setTimeout(r, w.end - performance.now()));
  running = false;
  w.close();
  clearInterval(progress);
  await drain();
  onComplete = undefined;
  return loadResult(w, cmd.durationMs);
}

async function openLoop(cmd: Extract<LoadgenCommand, { op: 'open' }>): Promise<LoadResult> {
  errors = 0;
  errorSamples.length = 0;
  const w = measureWindow(cmd.warmupMs, cmd.durationMs, cmd.announceWindow);
  onComplete = (_client, sentAt, now) => w.record(sentAt, now);
  const began = performance.now();
  let sent = 0;
  let cursor = 0;
  const ticker = setInterval(() => {
    const due = Math.floor(((performance.now() - began) * cmd.rate) / 1000) - sent;
    for (let i = 0; i < due && clients.length > 0; i++) {
      const c = clients[cursor++ % clients.length]!;
      if (c.wire.connected) c.request('findById', FIND_BY_ID);
      sent++;
    }
  }, 5);
  const progress = setInterval(() => send({ op: 'progress', phase: 'load', done: w.latencies.length, errors }), 1000);
  await new Promise((r) => setTimeout(r, w.end - performance.now()));
  clearInterval(ticker);
  w.close();
  clearInterval(progress);
  await drain();
  onComplete = undefined;
  return loadResult(w, cmd.durationMs);
}

async function closeAll(): Promise<{ closed: number; queues: string[] }> {
  const closed = clients.length;
  const queues = clients.flatMap((c) => (c.queue ? [c.queue] : []));
  for (const c of clients) {
    c.closing = true;
    c.wire.close();
  }
  clients = [];
  return { closed, queues };
}

async function handle(cmd: LoadgenCommand): Promise<void> {
  try {
    const result =
      cmd.op === 'connect' ? await connectAll(cmd)
      : cmd.op === 'closed' ? await closedLoop(cmd)
      : cmd.op === 'open' ? await openLoop(cmd)
      : await closeAll();
    send({ op: 'done', id: cmd.id, result });
  } catch (err) {
    send({ op: 'failed', id: cmd.id, error: String((err as Error)?.stack ?? err) });
  }
}

/** The soft limit on open files: each client is one socket (one file descriptor). */
function fdLimit(): number | undefined {
  try {
    const m = /^Max open files\s+(\d+)/m.exec(readFileSync('/proc/self/limits', 'utf8'));
    return m ? Number(m[1]) : undefined;
  } catch {
    return undefined;
  }
}

if (!process.send) {
  console.error('bench/loadgen.ts is driven by bench/run.ts over IPC; run `npm run bench` instead.');
  process.exit(2);
}
process.on('message', (cmd: LoadgenCommand) => void handle(cmd));
// The orchestrator is gone: nothing will ever close us.
process.on('disconnect', () => process.exit(0));
send({ op: 'ready', fdLimit: fdLimit() });
