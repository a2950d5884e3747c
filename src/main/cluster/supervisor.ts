import cluster, { type Worker } from 'node:cluster';
import type { StopMode } from '../../application/control.js';
import { SupervisorMetrics } from '../../adapters/metrics/prom-metrics.js';
import { serveClusterMetrics } from '../../adapters/metrics/cluster-metrics.js';
import type { GatewayConfig } from '../config/index.js';
import type { RootLogger } from '../logger.js';
import { isMessage, type Heartbeat, type QueryAnswer, type QueryOp, type ToWorker } from './ipc.js';
import { isSilent, memoryVerdict, restartDelay, STARTUP_GRACE_MS } from './policy.js';

/** Why a worker is on its way out; undefined while it serves. */
type Leaving = 'replace' | 'restart' | 'shutdown';

interface WorkerState {
  readonly worker: Worker;
  readonly slot: number;
  lastHeardAt: number;
  heartbeats: number;
  /** Has sent a heartbeat while listening: it started for real. */
  serving: boolean;
  memoryWarned: boolean;
  leaving?: Leaving;
  killTimer?: NodeJS.Timeout;
  readonly pending: Map<number, (answer: QueryAnswer) => void>;
  /** Resolves once the worker's server listens. */
  readonly listening: Promise<void>;
  markListening(): void;
}

/** Time a stopping worker gets beyond its grace period before SIGKILL. */
const KILL_AFTER_MS = 10_000;
const QUERY_TIMEOUT_MS = 2_000;

/**
 * The cluster primary: forks `cluster.workerCount` workers and keeps that
 * many alive. Policy (backoff, watchdog, memory) is in policy.ts; this file
 * is the mechanics. Control commands reach it through SupervisorControl.
 */
export class Supervisor {
  readonly metrics = new SupervisorMetrics();
  private readonly workers = new Map<number, WorkerState>();
  private readonly failures: number[];
  private readonly restartTimers = new Set<NodeJS.Timeout>();
  private watchdog?: NodeJS.Timeout;
  private stopMetrics?: () => void;
  private shuttingDown = false;
  private nextQuery = 0;
  private resolveDone!: () => void;
  /** Resolves once a shutdown has stopped every worker. */
  readonly done = new Promise<void>((resolve) => { this.resolveDone = resolve; });

  constructor(
    private readonly config: GatewayConfig,
    private readonly logger: RootLogger,
    private readonly random: () => number = Math.random,
  ) {
    this.failures = Array.from({ length: config.cluster.workerCount }, () => 0);
  }

  start(): void {
    cluster.on('exit', this.onExit);
    this.stopMetrics = serveClusterMetrics(() => this.metrics.metricsText());
    for (let slot = 0; slot < this.config.cluster.workerCount; slot++) this.fork(slot);
    this.watchdog = setInterval(() => this.checkSilence(), this.config.cluster.watchdogInterval);
    this.logger.info({ workers: this.config.cluster.workerCount }, 'supervisor started');
  }

  isShuttingDown(): boolean {
    return this.shuttingDown;
  }

  /** Workers currently serving (not on their way out). */
  serving(): Array<{ pid: number; id: number }> {
    return [...this.workers.values()]
      .filter((s) => s.leaving === undefined)
      .map((s) => ({ pid: s.worker.process.pid ?? 0, id: s.worker.id }));
  }

  /** Ask every serving worker; a worker that does not answer in time reports ok:false. */
  async queryAll(op: QueryOp): Promise<Array<QueryAnswer & { pid: number }>> {
    const states = [...this.workers.values()].filter((s) => s.leaving === undefined);
    return Promise.all(states.map((s) => this.query(s, op)));
  }

  /** Immediate: one worker at a time, the new one up before the old one goes, `gapMs` apart. */
  async rollingRestart(gapMs: number): Promise<void> {
    for (const old of [...this.workers.values()].filter((s) => s.leaving === undefined)) {
      if (this.shuttingDown) return;
      const fresh = this.fork(old.slot);
      await withTimeout(fresh.listening, STARTUP_GRACE_MS);
      if (this.shuttingDown) return;
      await this.stopWorker(old, 'restart', 'immediate', 0);
      if (gapMs > 0) await delay(gapMs);
    }
  }

  /** Graceful: replacements take new sockets while the old workers drain. */
  async gracefulRestart(graceMs: number): Promise<void> {
    const old = [...this.workers.values()].filter((s) => s.leaving === undefined);
    for (const s of old) this.fork(s.slot);
    await Promise.all(old.map((s) => this.stopWorker(s, 'restart', 'graceful', graceMs)));
  }

  async shutdown(mode: StopMode, graceMs: number): Promise<void> {
    if (this.shuttingDown && mode === 'graceful') return this.done;
    this.shuttingDown = true;
    this.logger.info({ mode, graceMs }, 'shutting down');
    if (this.watchdog) clearInterval(this.watchdog);
    for (const t of this.restartTimers) clearTimeout(t);
    this.restartTimers.clear();
    const all = [...this.workers.values()];
    if (all.length === 0) this.finish();
    await Promise.all(all.map((s) => this.stopWorker(s, 'shutdown', mode, graceMs)));
    return this.done;
  }

  private fork(slot: number): WorkerState {
    const worker = cluster.fork({ ASGW_WORKER_SLOT: String(slot) });
    let markListening!: () => void;
    const listening = new Promise<void>((resolve) => { markListening = resolve; });
    const state: WorkerState = {
      worker, slot, lastHeardAt: Date.now(), heartbeats: 0, serving: false, memoryWarned: false, pending: new Map(), listening, markListening,
    };
    this.workers.set(worker.id, state);
    worker.on('message', (msg: unknown) => this.onMessage(state, msg));
    // An IPC error (worker gone mid-send) must not take the supervisor down.
    worker.on('error', (err) => this.logger.warn({ err, pid: worker.process.pid }, 'worker channel error'));
    this.logger.info({ slot, pid: worker.process.pid }, 'worker forked');
    return state;
  }

  private onMessage(state: WorkerState, msg: unknown): void {
    if (isMessage<Heartbeat>(msg, 'asgw:heartbeat')) this.onHeartbeat(state, msg);
    else if (isMessage<QueryAnswer>(msg, 'asgw:answer')) state.pending.get(msg.id)?.(msg);
  }

  private onHeartbeat(state: WorkerState, beat: Heartbeat): void {
    state.lastHeardAt = Date.now();
    state.heartbeats++;
    // The first heartbeat of a worker that listens resets its failures: one
    // that beats and then fails to start (port taken, bad TLS file) must
    // still back off.
    if (beat.listening && !state.serving) {
      state.serving = true;
      this.failures[state.slot] = 0;
      state.markListening();
    }
    if (state.leaving !== undefined) return;
    const verdict = memoryVerdict(beat.memory, this.config.cluster);
    const pid = state.worker.process.pid;
    if (verdict.action === 'replace') {
      this.logger.warn({ pid, reasons: verdict.reasons }, 'worker over its memory limit; replacing it');
      this.replace(state, 'memory');
    } else if (verdict.action === 'warn') {
      if (!state.memoryWarned) this.logger.warn({ pid, reasons: verdict.reasons }, 'worker memory high');
      state.memoryWarned = true;
    } else {
      state.memoryWarned = false;
    }
  }

  private checkSilence(): void {
    const now = Date.now();
    for (const state of this.workers.values()) {
      if (state.leaving === 'replace' || !isSilent(state.lastHeardAt, now, this.config.cluster.workerTimeout, state.heartbeats)) continue;
      this.logger.warn({ pid: state.worker.process.pid, silentMs: now - state.lastHeardAt }, 'worker silent; killing it');
      state.leaving = 'replace';
      this.metrics.workerRestart('watchdog');
      state.worker.process.kill('SIGKILL');
    }
  }

  /** Replace a misbehaving worker: its exit counts as a failure and the slot restarts with backoff. */
  private replace(state: WorkerState, reason: string): void {
    this.metrics.workerRestart(reason);
    void this.stopWorker(state, 'replace', 'immediate', 0);
  }

  private stopWorker(state: WorkerState, leaving: Leaving, mode: StopMode, graceMs: number): Promise<void> {
    const exited = new Promise<void>((resolve) => {
      if (state.worker.isDead()) resolve();
      else state.worker.once('exit', () => resolve());
    });
    if (mode === 'immediate' && state.leaving !== undefined && state.leaving !== leaving && leaving !== 'shutdown') return exited;
    state.leaving = state.leaving === 'shutdown' ? 'shutdown' : leaving;
    this.send(state, { type: 'asgw:stop', mode, ms: graceMs });
    if (state.killTimer) clearTimeout(state.killTimer);
    state.killTimer = setTimeout(() => {
      this.logger.warn({ pid: state.worker.process.pid }, 'worker did not stop in time; killing it');
      state.worker.process.kill('SIGKILL');
    }, (mode === 'graceful' ? graceMs : 0) + KILL_AFTER_MS);
    return exited;
  }

  private readonly onExit = (worker: Worker, code: number | null, signal: string | null): void => {
    const state = this.workers.get(worker.id);
    if (!state) return;
    this.workers.delete(worker.id);
    if (state.killTimer) clearTimeout(state.killTimer);
    for (const resolve of state.pending.values()) resolve({ type: 'asgw:answer', id: -1, ok: false, error: 'worker exited' });
    this.logger.info({ pid: worker.process.pid, code, signal, leaving: state.leaving }, 'worker exited');
    if (this.shuttingDown) {
      if (this.workers.size === 0) this.finish();
      return;
    }
    if (state.leaving === 'restart') return; // its replacement is already running
    if (state.leaving === undefined) this.metrics.workerRestart('exit');
    const failures = ++this.failures[state.slot]!;
    const wait = restartDelay(failures, this.config.cluster, this.random());
    this.logger.warn({ slot: state.slot, failures, delayMs: Math.round(wait) }, 'restarting worker');
    const timer = setTimeout(() => {
      this.restartTimers.delete(timer);
      if (!this.shuttingDown) this.fork(state.slot);
    }, wait);
    this.restartTimers.add(timer);
  };

  private query(state: WorkerState, op: QueryOp): Promise<QueryAnswer & { pid: number }> {
    const id = this.nextQuery++;
    const pid = state.worker.process.pid ?? 0;
    return new Promise((resolve) => {
      const timer = setTimeout(() => settle({ type: 'asgw:answer', id, ok: false, error: 'worker did not answer' }), QUERY_TIMEOUT_MS);
      const settle = (answer: QueryAnswer): void => {
        clearTimeout(timer);
        state.pending.delete(id);
        resolve({ ...answer, pid });
      };
      state.pending.set(id, settle);
      this.send(state, { type: 'asgw:query', id, ...op } as ToWorker);
    });
  }

  private send(state: WorkerState, msg: ToWorker): void {
    if (!state.worker.isConnected()) return;
    state.worker.send(msg, (err: Error | null) => {
      if (err) this.logger.debug({ err, pid: state.worker.process.pid }, 'message to worker lost');
    });
  }

  private finish(): void {
    cluster.off('exit', this.onExit);
    this.stopMetrics?.();
    this.logger.info('all workers stopped');
    this.resolveDone();
  }
}

const delay = (ms: number): Promise<void> => new Promise((resolve) => setTimeout(resolve, ms));

async function withTimeout(promise: Promise<void>, ms: number): Promise<void> {
  let timer: NodeJS.Timeout | undefined;
  try {
    await Promise.race([promise, new Promise<void>((resolve) => { timer = setTimeout(resolve, ms); })]);
  } finally {
    clearTimeout(timer);
  }
}
