import { performance } from 'node:perf_hooks';
import { io, type Socket } from 'socket.io-client';
import type { ConnectResult, LoadResult, LoadgenCommand, LoadgenEvent } from './lib/loadgen-protocol.js';

/**
 * The load generator, in its own process so that its CPU is not the
 * server's. Driven by run.ts over IPC: connect N clients (optionally logged
 * in), run a closed or open loop of findById requests, close. A request is
 * complete when the push carrying its correspondingMessageId arrives; the
 * client then acks it, as a real client must.
 */

const LOGIN_TIMEOUT_MS = 30_000;
const DRAIN_TIMEOUT_MS = 10_000;
const MAX_ERROR_SAMPLES = 10;

interface Pending {
  sentAt: number;
  resolve?: (ok: boolean) => void;
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
    readonly socket: Socket,
  ) {
    socket.on('push', (msg: unknown) => this.onPush(msg));
    socket.on('gatewayError', (err: unknown) => fail(`gatewayError ${JSON.stringify(err).slice(0, 200)}`));
    socket.on('disconnect', (reason: string) => {
      if (!this.closing) fail(`client ${index} disconnected: ${reason}`);
      for (const p of this.pending.values()) p.resolve?.(false);
      this.pending.clear();
    });
  }

  request(event: string, payload: Record<string, unknown>, resolve?: (ok: boolean) => void): void {
    const messageId = `${this.index}-${++this.seq}`;
    this.pending.set(messageId, { sentAt: performance.now(), resolve });
    this.socket.emit(event, { ...payload, messageId });
  }

  private onPush(msg: unknown): void {
    const id = (msg as { correspondingMessageId?: unknown } | null)?.correspondingMessageId;
    if (typeof id !== 'string') return;
    // Ack every push that carries an id, re-sends included: the server holds the delivery until then.
    this.socket.emit('message', { ack: { correspondingMessageId: id } });
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

function once<T>(socket: Socket, event: string, timeoutMs: number): Promise<T> {
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => {
      socket.off(event, on);
      reject(new Error(`no ${event} within ${timeoutMs} ms`));
    }, timeoutMs);
    const on = (value: T): void => {
      clearTimeout(timer);
      resolve(value);
    };
    socket.once(event, on);
  });
}

/** Connect, start and (optionally) log in one client; gives up after LOGIN_TIMEOUT_MS whatever happens. */
function openClient(url: string, index: number, login: boolean): Promise<BenchClient> {
  let timer: NodeJS.Timeout | undefined;
  let giveUp: () => void = () => undefined;
  const timeout = new Promise<never>((_, reject) => {
    timer = setTimeout(() => {
      giveUp();
      reject(new Error(`not connected and logged in within ${LOGIN_TIMEOUT_MS} ms`));
    }, LOGIN_TIMEOUT_MS);
  });
  const opening = openClientSteps(url, index, login, (stop) => { giveUp = stop; });
  return Promise.race([opening, timeout]).finally(() => clearTimeout(timer));
}

async function openClientSteps(url: string, index: number, login: boolean, onSocket: (stop: () => void) => void): Promise<BenchClient> {
  const socket = io(url, { transports: ['websocket'], reconnection: false, forceNew: true, timeout: LOGIN_TIMEOUT_MS });
  const client = new BenchClient(index, socket);
  onSocket(() => {
    client.closing = true;
    socket.disconnect();
  });
  try {
    await new Promise<void>((resolve, reject) => {
      socket.once('connect', () => resolve());
      socket.once('connect_error', (err: Error) => reject(new Error(`connect_error: ${err.message}`)));
    });
    const acked = once<string>(socket, 'gatewayConnectAck', LOGIN_TIMEOUT_MS);
    socket.emit('message', { connect: {} });
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
    socket.disconnect();
    throw err;
  }
}

/** PROTOCOL §4: `<public>;<sealed>`, public = base64 JSON with clientId = the reply queue. */
function queueOf(key: unknown): string | undefined {
  if (typeof key !== 'string' || key.startsWith('relay;')) return undefined;
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
      const index = next++;
      try {
        clients.push(await openClient(cmd.url, index, cmd.login));
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
  if (left > 0) fail(`${left} requests got no push within ${DRAIN_TIMEOUT_MS} ms after the run`);
  for (const c of clients) c.pending.clear();
}

/** Counts completions whose request was sent inside [start, end); warm-up ones only keep the loop going. */
function measureWindow(warmupMs: number, durationMs: number) {
  const start = performance.now() + warmupMs;
  const end = start + durationMs;
  const latencies: number[] = [];
  const w = {
    start,
    end,
    latencies,
    all: 0,
    record: (sentAt: number, now: number): void => {
      w.all++;
      if (sentAt >= start && sentAt < end) latencies.push(now - sentAt);
    },
  };
  return w;
}

async function closedLoop(cmd: Extract<LoadgenCommand, { op: 'closed' }>): Promise<LoadResult> {
  errors = 0;
  errorSamples.length = 0;
  const w = measureWindow(cmd.warmupMs, cmd.durationMs);
  let running = true;
  onComplete = (client, sentAt, now) => {
    w.record(sentAt, now);
    if (running && now < w.end && client.socket.connected) client.request('findById', FIND_BY_ID);
  };
  for (const c of clients) for (let i = 0; i < cmd.inflight; i++) c.request('findById', FIND_BY_ID);
  const progress = setInterval(() => send({ op: 'progress', phase: 'load', done: w.latencies.length, errors }), 1000);
  await new Promise((r) => setTimeout(r, w.end - performance.now()));
  running = false;
  clearInterval(progress);
  await drain();
  onComplete = undefined;
  return { completed: w.latencies.length, allCompleted: w.all, errors, durationMs: cmd.durationMs, latencies: w.latencies, errorSamples: [...errorSamples] };
}

async function openLoop(cmd: Extract<LoadgenCommand, { op: 'open' }>): Promise<LoadResult> {
  errors = 0;
  errorSamples.length = 0;
  const w = measureWindow(cmd.warmupMs, cmd.durationMs);
  onComplete = (_client, sentAt, now) => w.record(sentAt, now);
  const began = performance.now();
  let sent = 0;
  let cursor = 0;
  const ticker = setInterval(() => {
    const due = Math.floor(((performance.now() - began) * cmd.rate) / 1000) - sent;
    for (let i = 0; i < due && clients.length > 0; i++) {
      const c = clients[cursor++ % clients.length]!;
      if (c.socket.connected) c.request('findById', FIND_BY_ID);
      sent++;
    }
  }, 5);
  const progress = setInterval(() => send({ op: 'progress', phase: 'load', done: w.latencies.length, errors }), 1000);
  await new Promise((r) => setTimeout(r, w.end - performance.now()));
  clearInterval(ticker);
  clearInterval(progress);
  await drain();
  onComplete = undefined;
  return { completed: w.latencies.length, allCompleted: w.all, errors, durationMs: cmd.durationMs, latencies: w.latencies, errorSamples: [...errorSamples] };
}

async function closeAll(): Promise<{ closed: number; queues: string[] }> {
  const closed = clients.length;
  const queues = clients.flatMap((c) => (c.queue ? [c.queue] : []));
  for (const c of clients) {
    c.closing = true;
    c.socket.disconnect();
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

if (!process.send) {
  console.error('bench/loadgen.ts is driven by bench/run.ts over IPC; run `npm run bench` instead.');
  process.exit(2);
}
process.on('message', (cmd: LoadgenCommand) => void handle(cmd));
// The orchestrator is gone: nothing will ever close us.
process.on('disconnect', () => process.exit(0));
send({ op: 'ready' });
