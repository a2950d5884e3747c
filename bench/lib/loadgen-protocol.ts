/** Commands run.ts sends to the load generator process over IPC, and its answers. */

export type LoadgenCommand =
  | { op: 'connect'; id: number; url: string; clients: number; login: boolean; concurrency: number }
  /** Each client keeps `inflight` requests outstanding (closed loop). */
  | { op: 'closed'; id: number; inflight: number; warmupMs: number; durationMs: number }
  /** `rate` requests per second spread over all clients (open loop). */
  | { op: 'open'; id: number; rate: number; warmupMs: number; durationMs: number }
  | { op: 'close'; id: number };

export interface ConnectResult {
  connected: number;
  errors: number;
  ms: number;
  errorSamples: string[];
}

export interface LoadResult {
  completed: number;
  /** Completions during the whole command, warm-up and drain included (for per-request server costs). */
  allCompleted: number;
  errors: number;
  durationMs: number;
  /** Request → matching push, ms, one per completion inside the window. */
  latencies: number[];
  errorSamples: string[];
}

export type LoadgenEvent =
  | { op: 'ready' }
  | { op: 'progress'; phase: string; done: number; total?: number; errors: number }
  | { op: 'done'; id: number; result: ConnectResult | LoadResult | CloseResult }
  | { op: 'failed'; id: number; error: string };

export interface CloseResult {
  closed: number;
  /** Reply queues the gateway left behind (it does not delete them; the backend would). */
  queues: string[];
}
