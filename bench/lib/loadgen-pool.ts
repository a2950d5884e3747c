import type { ChildProcess } from 'node:child_process';
import { join } from 'node:path';
import { forkTs, ROOT } from './children.js';
import type { CloseResult, ConnectResult, LoadResult, LoadgenCommand, LoadgenEvent, Transport } from './loadgen-protocol.js';

type WithoutId<T> = T extends unknown ? Omit<T, 'id'> : never;
type Progress = Extract<LoadgenEvent, { op: 'progress' }>;

/** One load generator process (bench/loadgen.ts), driven over IPC. */
class Loadgen {
  private nextId = 0;
  private readonly waiting = new Map<number, { resolve: (r: unknown) => void; reject: (e: Error) => void }>();
  onProgress: (e: Progress) => void = () => undefined;
  onWindow: (edge: 'start' | 'end') => void = () => undefined;

  private constructor(
    readonly child: ChildProcess,
    readonly fdLimit: number | undefined,
  ) {
    child.on('message', (e: LoadgenEvent) => {
      if (e.op === 'progress') this.onProgress(e);
      if (e.op === 'window') this.onWindow(e.edge);
      if (e.op !== 'done' && e.op !== 'failed') return;
      const w = this.waiting.get(e.id);
      this.waiting.delete(e.id);
      if (e.op === 'done') w?.resolve(e.result);
      else w?.reject(new Error(`load generator: ${e.error}`));
    });
    child.on('exit', (code) => {
      for (const w of this.waiting.values()) w.reject(new Error(`load generator exited (${code})`));
      this.waiting.clear();
    });
  }

  static start(): Promise<Loadgen> {
    const child = forkTs(join(ROOT, 'bench', 'loadgen.ts'));
    return new Promise((resolve, reject) => {
      child.once('message', (e: LoadgenEvent) => resolve(new Loadgen(child, e.op === 'ready' ? e.fdLimit : undefined)));
      child.once('exit', (code) => reject(new Error(`load generator exited (${code}) before it was ready`)));
    });
  }

  get pid(): number {
    return this.child.pid!;
  }

  run<T>(cmd: WithoutId<LoadgenCommand>): Promise<T> {
    const id = ++this.nextId;
    return new Promise<T>((resolve, reject) => {
      this.waiting.set(id, { resolve: resolve as (r: unknown) => void, reject });
      this.child.send({ ...cmd, id });
    });
  }

  stop(): void {
    if (this.child.connected) this.child.disconnect();
  }
}

/**
 * One or more load generator processes acting as one: clients are split
 * between them, an open loop's rate too, and their results are merged.
 * A second process is for loads one process cannot drive (socket.io-client
 * costs CPU per socket; every socket is a file descriptor).
 */
export class LoadgenPool {
  private constructor(private readonly gens: Loadgen[]) {}

  static async start(count: number): Promise<LoadgenPool> {
    const gens: Loadgen[] = [];
    try {
      for (let i = 0; i < count; i++) gens.push(await Loadgen.start());
    } catch (err) {
      for (const g of gens) g.stop();
      throw err;
    }
    return new LoadgenPool(gens);
  }

  get size(): number {
    return this.gens.length;
  }

  get pids(): number[] {
    return this.gens.map((g) => g.pid);
  }

  /** The open-files limit each load generator runs with (one socket each client). */
  get fdLimit(): number | undefined {
    return this.gens[0]?.fdLimit;
  }

  /** Progress of the first process, scaled to the whole pool's total. */
  set onProgress(fn: (e: Progress) => void) {
    this.gens.forEach((g, i) => {
      g.onProgress = i === 0 ? fn : () => undefined;
    });
  }

  /** The measured window's edges, as the first process sees them. */
  set onWindow(fn: (edge: 'start' | 'end') => void) {
    this.gens.forEach((g, i) => {
      g.onWindow = i === 0 ? fn : () => undefined;
    });
  }

  async connect(url: string, transport: Transport, clients: number, login: boolean, concurrency: number): Promise<ConnectResult> {
    const shares = split(clients, this.gens.length);
    const started = performance.now();
    let first = 0;
    const results = await Promise.all(
      this.gens.map((g, i) => {
        const firstIndex = first;
        first += shares[i]!;
        return g.run<ConnectResult>({
          op: 'connect', url, transport, clients: shares[i]!, firstIndex, login,
          concurrency: Math.max(1, Math.round((concurrency * shares[i]!) / Math.max(1, clients))),
        });
      }),
    );
    return {
      connected: sum(results.map((r) => r.connected)),
      errors: sum(results.map((r) => r.errors)),
      ms: performance.now() - started,
      errorSamples: results.flatMap((r) => r.errorSamples).slice(0, 10),
    };
  }

  async load(load: { kind: 'closed'; inflight: number; warmupMs: number; durationMs: number } | { kind: 'open'; rate: number; warmupMs: number; durationMs: number }): Promise<LoadResult> {
    const results = await Promise.all(
      this.gens.map((g, i) => {
        const announceWindow = i === 0;
        if (load.kind === 'closed') return g.run<LoadResult>({ op: 'closed', inflight: load.inflight, warmupMs: load.warmupMs, durationMs: load.durationMs, announceWindow });
        return g.run<LoadResult>({ op: 'open', rate: load.rate / this.gens.length, warmupMs: load.warmupMs, durationMs: load.durationMs, announceWindow });
      }),
    );
    return {
      completed: sum(results.map((r) => r.completed)),
      allCompleted: sum(results.map((r) => r.allCompleted)),
      windowCompleted: sum(results.map((r) => r.windowCompleted)),
      errors: sum(results.map((r) => r.errors)),
      durationMs: load.durationMs,
      latencies: results.flatMap((r) => r.latencies),
      errorSamples: results.flatMap((r) => r.errorSamples).slice(0, 10),
    };
  }

  async close(): Promise<CloseResult> {
    const results = await Promise.all(this.gens.map((g) => g.run<CloseResult>({ op: 'close' })));
    return { closed: sum(results.map((r) => r.closed)), queues: results.flatMap((r) => r.queues) };
  }

  stop(): void {
    for (const g of this.gens) g.stop();
  }
}

const sum = (xs: number[]): number => xs.reduce((a, b) => a + b, 0);

/** `n` split into `parts` shares that differ by at most one. */
function split(n: number, parts: number): number[] {
  return Array.from({ length: parts }, (_, i) => Math.floor(n / parts) + (i < n % parts ? 1 : 0));
}
