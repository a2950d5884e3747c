import type { MemoryUsage } from './policy.js';
import type { StopMode } from '../../application/control.js';

/** Messages between the supervisor and its workers over the cluster IPC channel. */

export interface Heartbeat {
  readonly type: 'asgw:heartbeat';
  readonly memory: MemoryUsage;
  readonly clients: number;
  /** The worker's server is listening (a replacement can take over). */
  readonly listening: boolean;
}

/** A per-worker control command, answered by a QueryAnswer with the same id. */
export type QueryOp =
  | { readonly op: 'clientcount' }
  | { readonly op: 'loglevel'; readonly level: string }
  | { readonly op: 'resend'; readonly ms: number };

export type Query = { readonly type: 'asgw:query'; readonly id: number } & QueryOp;

export interface QueryAnswer {
  readonly type: 'asgw:answer';
  readonly id: number;
  readonly ok: boolean;
  readonly clients?: number;
  readonly error?: string;
}

/** Stop: `immediate` closes now; `graceful` stops taking sockets and waits for clients, at most `ms`. */
export interface Stop {
  readonly type: 'asgw:stop';
  readonly mode: StopMode;
  readonly ms: number;
}

export type ToWorker = Query | Stop;
export type ToSupervisor = Heartbeat | QueryAnswer;

export const isMessage = <T extends { type: string }>(msg: unknown, type: T['type']): msg is T =>
  typeof msg === 'object' && msg !== null && (msg as { type?: unknown }).type === type;
