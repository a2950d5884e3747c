/** Commands run.ts sends to the load generator process over IPC, and its answers. */

/** Socket.IO (socket.io-client, websocket only) or the gateway's raw WebSocket transport (PROTOCOL §7). */
export type Transport = 'socket.io' | 'ws';

export type LoadgenCommand =
  /** `firstIndex` numbers the clients (message ids) when several load generators share a run. */
  | { op: 'connect'; id: number; url: string; transport: Transport; clients: number; firstIndex: number; login: boolean; concurrency: number }
  /** Each client keeps `inflight` requests outstanding (closed loop). */
  | { op: 'closed'; id: number; inflight: number; warmupMs: number; durationMs: number; announceWindow: boolean }
  /** `rate` requests per second spread over all clients (open loop). */
  | { op: 'open'; id: number; rate: number; warmupMs: number; durationMs: number; announceWindow: boolean }
  | { op: 'close'; id: number };

export interface ConnectResult {
  connected: number;
  errors: number;
  ms: number;
  errorSamples: string[];
}

export interface LoadResult {
  /** Requests sent inside the window and completed (their latencies are below). */
  completed: number;
  /** Completions during the whole command, warm-up and drain included. */
  allCompleted: number;
  /** Completions that happened inside the window, whenever sent: the divisor of CPU per request. */
  windowCompleted: number;
  errors: number;
  durationMs: number;
  /** Request → matching push, ms, one per completion inside the window. */
  latencies: number[];
  errorSamples: string[];
}

export type LoadgenEvent =
  | { op: 'ready'; fdLimit: number | undefined }
  | { op: 'progress'; phase: string; done: number; total?: number; errors: number }
  /** The measured window opens or closes now (sent when the command asked for it): the orchestrator samples the servers. */
  | { op: 'window'; edge: 'start' | 'end' }
  | { op: 'done'; id: number; result: ConnectResult | LoadResult | CloseResult }
  | { op: 'failed'; id: number; error: string };

export interface CloseResult {
  closed: number;
  /** Reply queues the gateway left behind (it does not delete them; the backend would). */
  queues: string[];
}
