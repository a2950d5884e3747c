import cluster, { type Worker } from 'node:cluster';
import type { StopMode } from '../../application/control.js';
import { SupervisorMetrics } from '../../adapters/metrics/prom-metrics.js';
import type { GatewayConfig } from '../config/index.js';
import type { RootLogger } from '../logger.js';
import { isMessage, type Heartbeat, type QueryAnswer, type QueryOp, type ToWorker } from './ipc.js';
import { CLUSTER_PORT_ENV } from './cluster-port.js';
import {
  forkAfterExit, isSilent, memoryVerdict, REPLACEMENT_LISTEN_TIMEOUT_MS, restartDelay, routingWeight, slotVerdict, takeoverUntil,
} from './policy.js';
import { exposeRoutingWeight } from './sticky-primary.js';
import { Sleeper } from './sleeper.js';
import { queryWorker, sendToWorker } from './worker-ipc.js';
import { newWorkerState, type Leaving, type WorkerState } from './worker-state.js';

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
  private readonly sleeper = new Sleeper();
  private watchdog?: NodeJS.Timeout;
  private restarting = false;
  private shuttingDown = false;
  private nextQuery = 0;
  private resolveDone!: () => void;
  /** Resolves once a shutdown has stopped every worker. */
  readonly done = new Promise<void>((resolve) => { this.resolveDone = resolve; });

  constructor(
    private readonly config: GatewayConfig,
    private readonly logger: RootLogger,
    private readonly random: () => number = Math.random,
    /** The port the primary listens on for its workers (see cluster-port.ts). */
    private readonly port?: number,
  ) {
    this.failures = Array.from({ length: config.cluster.workerCount }, () => 0);
  }

  start(): void {
    cluster.on('exit', this.onExit);
    for (let slot = 0; slot < this.config.cluster.workerCount; slot++) this.fork(slot);
    this.watchdog = setInterval(() => this.checkSilence(), this.config.cluster.watchdogInterval);
    this.logger.info({ workers: this.config.cluster.workerCount }, 'supervisor started');
  }

  isShuttingDown(): boolean {
    return this.shuttingDown;
  }

  isRestarting(): boolean {
    return this.restarting;
  }

  /** True while some live worker has listened: it can take a connection (a draining one still serves its sessions). */
  canRoute(): boolean {
    return [...this.workers.values()].some((s) => s.serving && !s.worker.isDead());
  }

  /** Workers currently serving (not on their way out, not a replacement still starting). */
  serving(): Array<{ pid: number; id: number }> {
    return this.servingStates().map((s) => ({ pid: s.worker.process.pid ?? 0, id: s.worker.id }));
  }

  /** Ask every serving worker; a worker that does not answer in time reports ok:false. */
  async queryAll(op: QueryOp): Promise<Array<QueryAnswer & { pid: number }>> {
    return Promise.all(this.servingStates().map((s) => queryWorker(s, op, this.nextQuery++, QUERY_TIMEOUT_MS, this.logger)));
  }

  /**
   * Immediate: slot by slot, the replacement listens before the old worker
   * stops (its clients need somewhere to go), then `gapMs` pause.
   */
  async rollingRestart(gapMs: number): Promise<void> {
    await this.exclusively(async () => {
      for (const old of this.servingStates()) {
        if (this.shuttingDown) return;
        if (old.leaving !== undefined || old.worker.isDead()) continue;
        const fresh = this.forkReplacement(old);
        const listens = await this.untilListening(fresh);
        if (this.shuttingDown) return;
        if (this.settle(old, fresh, listens) !== 'swap') continue;
        this.beginTakeover('immediate', 0);
        await this.stopWorker(old, 'restart', 'immediate', 0);
        if (gapMs > 0) await this.sleeper.sleep(gapMs);
      }
    });
  }

  /**
   * Graceful: every replacement is forked and listening before any old
   * worker stops accepting, so a client leaving an old worker always finds
   * a listener; then the old workers drain for up to `graceMs`.
   */
  async gracefulRestart(graceMs: number): Promise<void> {
    await this.exclusively(async () => {
      const pairs = this.servingStates().map((old) => ({ old, fresh: this.forkReplacement(old) }));
      const listens = await Promise.all(pairs.map(({ fresh }) => this.untilListening(fresh)));
      if (this.shuttingDown) return;
      const swapped = pairs.filter(({ old, fresh }, i) => this.settle(old, fresh, listens[i]!) === 'swap');
      if (swapped.length === 0) return;
      this.beginTakeover('graceful', graceMs);
      await Promise.all(swapped.map(({ old }) => this.stopWorker(old, 'restart', 'graceful', graceMs)));
    });
  }

  async shutdown(mode: StopMode, graceMs: number): Promise<void> {
    if (this.shuttingDown && mode === 'graceful') return this.done;
    this.shuttingDown = true;
    this.logger.info({ mode, graceMs }, 'shutting down');
    if (this.watchdog) clearInterval(this.watchdog);
    for (const t of this.restartTimers) clearTimeout(t);
    this.restartTimers.clear();
    this.sleeper.wakeAll();
    const all = [...this.workers.values()];
    if (all.length === 0) this.finish();
    await Promise.all(all.map((s) => this.stopWorker(s, 'shutdown', mode, graceMs)));
    return this.done;
  }

  private servingStates(): WorkerState[] {
    return [...this.workers.values()].filter((s) => s.leaving === undefined && s.replaces === undefined);
  }

  /** One restart at a time: a second would replace the replacements of the first. */
  private async exclusively(run: () => Promise<void>): Promise<void> {
    if (this.shuttingDown) return;
    if (this.restarting) {
      this.logger.warn('a restart is already in progress; this one is ignored');
      return;
    }
    this.restarting = true;
    try {
      await run();
    } finally {
      this.restarting = false;
    }
  }

  private fork(slot: number): WorkerState {
    const env: Record<string, string> = { ASGW_WORKER_SLOT: String(slot) };
    if (this.port !== undefined) env[CLUSTER_PORT_ENV] = String(this.port);
    const worker = cluster.fork(env);
    const state = newWorkerState(worker, slot);
    this.workers.set(worker.id, state);
    exposeRoutingWeight(
      worker,
      () => routingWeight({ serving: state.serving, leaving: state.leaving !== undefined, sessions: state.sessions }),
      (delta) => { state.sessions += delta; },
    );
    worker.on('message', (msg: unknown) => this.onMessage(state, msg));
    // An IPC error (worker gone mid-send) must not take the supervisor down.
    worker.on('error', (err) => this.logger.warn({ err, workerPid: worker.process.pid }, 'worker channel error'));
    this.logger.info({ slot, workerPid: worker.process.pid }, 'worker forked');
    return state;
  }

  private forkReplacement(old: WorkerState): WorkerState {
    const fresh = this.fork(old.slot);
    fresh.replaces = old;
    old.replacedBy = fresh;
    return fresh;
  }

  /** True once `state` listens; false if it exits first, the wait times out, or the instance shuts down. */
  private untilListening(state: WorkerState): Promise<boolean> {
    const outcome = Promise.race([state.listening.then(() => true), state.exited.then(() => false)]);
    return this.sleeper.race(outcome, REPLACEMENT_LISTEN_TIMEOUT_MS, false);
  }

  /** Ends the pairing of a slot in a restart: see slotVerdict. */
  private settle(old: WorkerState, fresh: WorkerState, listens: boolean): 'swap' | 'keep-old' | 'keep-new' {
    delete old.replacedBy;
    delete fresh.replaces;
    const verdict = slotVerdict(listens, !old.worker.isDead() && old.leaving === undefined);
    if (verdict === 'keep-old') {
      this.logger.error(
        { slot: old.slot, workerPid: old.worker.process.pid, replacement: fresh.worker.process.pid, exited: fresh.worker.isDead(), timeoutMs: REPLACEMENT_LISTEN_TIMEOUT_MS },
        'replacement worker did not listen (exited or timed out); the old worker keeps serving',
      );
      fresh.leaving = 'restart';
      // It has no clients, and it may be hung: no need to ask.
      if (!fresh.worker.isDead()) fresh.worker.process.kill('SIGKILL');
    } else if (verdict === 'keep-new') {
      this.logger.warn({ slot: old.slot, workerPid: fresh.worker.process.pid }, 'old worker gone during the restart; its replacement keeps starting');
    }
    return verdict;
  }

  /** The serving workers are about to get the clients of a stopped one: the watchdog bears with them. */
  private beginTakeover(mode: StopMode, graceMs: number): void {
    const until = takeoverUntil(Date.now(), mode, graceMs);
    for (const s of this.workers.values()) {
      if (s.leaving === undefined) s.takeoverUntil = Math.max(s.takeoverUntil, until);
    }
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
      this.logger.warn({ workerPid: pid, reasons: verdict.reasons }, 'worker over its memory limit; replacing it');
      this.replace(state, 'memory');
    } else if (verdict.action === 'warn') {
      if (!state.memoryWarned) this.logger.warn({ workerPid: pid, reasons: verdict.reasons }, 'worker memory high');
      state.memoryWarned = true;
    } else {
      state.memoryWarned = false;
    }
  }

  private checkSilence(): void {
    const now = Date.now();
    for (const state of this.workers.values()) {
      // A worker on its way out has its kill timer.
      if (state.leaving !== undefined || !isSilent(state, now, this.config.cluster.workerTimeout)) continue;
      this.logger.warn({ workerPid: state.worker.process.pid, silentMs: now - state.lastHeardAt }, 'worker silent; killing it');
      state.leaving = 'replace';
      this.metrics.workerRestart('watchdog');
      this.beginTakeover('immediate', 0);
      state.worker.process.kill('SIGKILL');
    }
  }

  /** Replace a misbehaving worker: its exit counts as a failure and the slot restarts with backoff. */
  private replace(state: WorkerState, reason: string): void {
    this.metrics.workerRestart(reason);
    this.beginTakeover('immediate', 0);
    void this.stopWorker(state, 'replace', 'immediate', 0);
  }

  private stopWorker(state: WorkerState, leaving: Leaving, mode: StopMode, graceMs: number): Promise<void> {
    if (state.worker.isDead()) return Promise.resolve();
    if (mode === 'immediate' && state.leaving !== undefined && state.leaving !== leaving && leaving !== 'shutdown') return state.exited;
    state.leaving = state.leaving === 'shutdown' ? 'shutdown' : leaving;
    sendToWorker(state, { type: 'asgw:stop', mode, ms: graceMs }, this.logger);
    if (state.killTimer) clearTimeout(state.killTimer);
    state.killTimer = setTimeout(() => {
      this.logger.warn({ workerPid: state.worker.process.pid }, 'worker did not stop in time; killing it');
      state.worker.process.kill('SIGKILL');
    }, (mode === 'graceful' ? graceMs : 0) + KILL_AFTER_MS);
    return state.exited;
  }

  private readonly onExit = (worker: Worker, code: number | null, signal: string | null): void => {
    const state = this.workers.get(worker.id);
    if (!state) return;
    this.workers.delete(worker.id);
    if (state.killTimer) clearTimeout(state.killTimer);
    for (const resolve of state.pending.values()) resolve({ type: 'asgw:answer', id: -1, ok: false, error: 'worker exited' });
    this.logger.info({ workerPid: worker.process.pid, code, signal, leaving: state.leaving }, 'worker exited');
    if (this.shuttingDown) {
      if (this.workers.size === 0) this.finish();
      return;
    }
    const partner = state.replaces ?? state.replacedBy;
    if (state.leaving === undefined && state.replaces === undefined) {
      this.metrics.workerRestart('exit');
      this.beginTakeover('immediate', 0);
    }
    const fork = forkAfterExit({
      shuttingDown: this.shuttingDown,
      restarted: state.leaving === 'restart',
      partnerAlive: partner !== undefined && !partner.worker.isDead(),
    });
    if (!fork) return;
    const failures = ++this.failures[state.slot]!;
    const wait = restartDelay(failures, this.config.cluster, this.random());
    this.logger.warn({ slot: state.slot, failures, delayMs: Math.round(wait) }, 'restarting worker');
    const timer = setTimeout(() => {
      this.restartTimers.delete(timer);
      if (!this.shuttingDown) this.fork(state.slot);
    }, wait);
    this.restartTimers.add(timer);
  };

  private finish(): void {
    cluster.off('exit', this.onExit);
    this.logger.info('all workers stopped');
    this.resolveDone();
  }
}
