import type { Worker } from 'node:cluster';
import type { QueryAnswer } from './ipc.js';

/** Why a worker is on its way out; undefined while it serves. */
export type Leaving = 'replace' | 'restart' | 'shutdown';

/** What the supervisor knows of one forked worker. */
export interface WorkerState {
  readonly worker: Worker;
  readonly slot: number;
  lastHeardAt: number;
  heartbeats: number;
  /** Has sent a heartbeat while listening: it started for real. */
  serving: boolean;
  /** Until when (epoch ms) it may be busy with the clients of a stopped worker: the watchdog bears with it. */
  takeoverUntil: number;
  memoryWarned: boolean;
  /** Open Engine.IO sessions, counted by @socket.io/sticky (for routing). */
  sessions: number;
  leaving?: Leaving;
  /** During a restart: the worker this one replaces once it listens... */
  replaces?: WorkerState;
  /** ...and, on the old worker, that replacement. */
  replacedBy?: WorkerState;
  killTimer?: NodeJS.Timeout;
  readonly pending: Map<number, (answer: QueryAnswer) => void>;
  /** Resolves once the worker's server listens. */
  readonly listening: Promise<void>;
  markListening(): void;
  readonly exited: Promise<void>;
}

export function newWorkerState(worker: Worker, slot: number): WorkerState {
  let markListening!: () => void;
  const listening = new Promise<void>((resolve) => { markListening = resolve; });
  const exited = new Promise<void>((resolve) => {
    if (worker.isDead()) resolve();
    else worker.once('exit', () => resolve());
  });
  return {
    worker, slot, lastHeardAt: Date.now(), heartbeats: 0, serving: false, takeoverUntil: 0, memoryWarned: false, sessions: 0,
    pending: new Map(), listening, markListening, exited,
  };
}
