/**
 * The supervisor's decisions, as pure functions so they are tested without
 * processes: how long to wait before restarting, when a worker is silent,
 * what a restart does with a slot, when it uses too much memory.
 */

export interface BackoffConfig {
  readonly workerRestartDelay: number;
  readonly maxRestartBackoff: number;
}

/**
 * ms before restarting a worker of a slot that has died `failures` times in a
 * row without ever heartbeating: workerRestartDelay * random * (2^min(failures, max) - 1).
 * The random factor spreads the restarts of many slots dying together.
 */
export function restartDelay(failures: number, cfg: BackoffConfig, random: number): number {
  const exponent = Math.min(Math.max(0, failures), cfg.maxRestartBackoff);
  return cfg.workerRestartDelay * random * (2 ** exponent - 1);
}

/** The largest delay restartDelay can return for `failures`. */
export function maxRestartDelay(failures: number, cfg: BackoffConfig): number {
  return restartDelay(failures, cfg, 1);
}

/** Least time a new worker gets to load, connect and send its first heartbeat. */
export const STARTUP_GRACE_MS = 30_000;

/**
 * How long a worker taking over the clients of a stopped one may go
 * without a heartbeat. A wave of reconnects (hundreds of resumes, each with
 * Redis and broker round trips) can starve the heartbeat timer for longer
 * than workerTimeout; killing the worker then sends its clients to the
 * next one, which goes silent in turn.
 */
export const TAKEOVER_GRACE_MS = STARTUP_GRACE_MS;

/** Most a restart waits for a replacement to listen before giving up on it. */
export const REPLACEMENT_LISTEN_TIMEOUT_MS = 60_000;

export interface Watched {
  readonly lastHeardAt: number;
  readonly heartbeats: number;
  /** Until when (epoch ms) the worker may be busy taking over clients; 0 = never. */
  readonly takeoverUntil: number;
}

/**
 * ms of silence after which the watchdog kills a worker. Before its first
 * heartbeat a worker is still loading and connecting to the broker; during
 * a takeover it is busy with reconnects: both get at least STARTUP_GRACE_MS.
 */
export function silenceLimit(w: Watched, now: number, workerTimeout: number): number {
  const lenient = w.heartbeats === 0 || now < w.takeoverUntil;
  return lenient ? Math.max(workerTimeout, STARTUP_GRACE_MS) : workerTimeout;
}

/** True when a worker is overdue at `now` (see silenceLimit). */
export function isSilent(w: Watched, now: number, workerTimeout: number): boolean {
  return now - w.lastHeardAt > silenceLimit(w, now, workerTimeout);
}

/**
 * When the surviving workers' takeover ends once a worker is told to stop
 * at `now`: a graceful stop disconnects its clients only when they leave or
 * `graceMs` passes, so the wave can come that late.
 */
export function takeoverUntil(now: number, mode: 'immediate' | 'graceful', graceMs: number): number {
  return now + (mode === 'graceful' ? graceMs : 0) + TAKEOVER_GRACE_MS;
}

/**
 * What a restart does with a slot once its replacement listened or not:
 * `swap` stops the old worker; `keep-old` discards the replacement and the
 * old worker keeps serving; `keep-new` keeps a replacement still starting
 * because the old worker is gone anyway.
 */
export type SlotVerdict = 'swap' | 'keep-old' | 'keep-new';

export function slotVerdict(replacementListens: boolean, oldAlive: boolean): SlotVerdict {
  if (replacementListens) return 'swap';
  return oldAlive ? 'keep-old' : 'keep-new';
}

/**
 * Whether the slot of an exited worker gets a new one (after the backoff).
 * Not for a worker stopped by a restart (its replacement serves, or it was
 * a replacement discarded while the old one serves), nor while its partner
 * in a restart in progress is alive (that one holds the slot).
 */
export function forkAfterExit(exit: { readonly shuttingDown: boolean; readonly restarted: boolean; readonly partnerAlive: boolean }): boolean {
  return !exit.shuttingDown && !exit.restarted && !exit.partnerAlive;
}

export interface MemoryUsage {
  readonly rss: number;
  readonly heapTotal: number;
  readonly heapUsed: number;
}

export interface MemoryConfig {
  /** MB; 0 = no check. */
  readonly memoryWarning: { readonly rss: number; readonly heapTotal: number };
  readonly memoryLimit: { readonly rss: number; readonly heapUsed: number };
}

export type MemoryVerdict =
  | { readonly action: 'ok' }
  | { readonly action: 'warn' | 'replace'; readonly reasons: string[] };

const MB = 1024 * 1024;

/** A limit over → replace; otherwise a warning over → warn. Limits in MB, usage in bytes. */
export function memoryVerdict(usage: MemoryUsage, cfg: MemoryConfig): MemoryVerdict {
  const over = (bytes: number, limitMb: number): boolean => limitMb > 0 && bytes > limitMb * MB;
  const describe = (name: string, bytes: number, limitMb: number): string =>
    `${name} ${(bytes / MB).toFixed(1)} MB > ${limitMb} MB`;

  const limits: string[] = [];
  if (over(usage.rss, cfg.memoryLimit.rss)) limits.push(describe('rss', usage.rss, cfg.memoryLimit.rss));
  if (over(usage.heapUsed, cfg.memoryLimit.heapUsed)) limits.push(describe('heapUsed', usage.heapUsed, cfg.memoryLimit.heapUsed));
  if (limits.length > 0) return { action: 'replace', reasons: limits };

  const warnings: string[] = [];
  if (over(usage.rss, cfg.memoryWarning.rss)) warnings.push(describe('rss', usage.rss, cfg.memoryWarning.rss));
  if (over(usage.heapTotal, cfg.memoryWarning.heapTotal)) warnings.push(describe('heapTotal', usage.heapTotal, cfg.memoryWarning.heapTotal));
  return warnings.length > 0 ? { action: 'warn', reasons: warnings } : { action: 'ok' };
}

/** What the primary's connection routing needs to know of a worker. */
export interface Routable {
  /** Has listened: its gateway takes connections handed to it. */
  readonly serving: boolean;
  /** On its way out (drain, restart, replace, shutdown). */
  readonly leaving: boolean;
  /** Its open Engine.IO (Socket.IO) sessions, as @socket.io/sticky counts them. */
  readonly sessions: number;
}

/** Added to a draining worker's weight, and twice to a starting one's: never chosen while a serving worker exists. */
export const ROUTING_PENALTY = 1_000_000_000;

/**
 * The weight the sticky primary gives a worker when a connection starts a
 * new session (a request with a known `sid` always goes to that session's
 * worker): the lowest wins. A worker still starting cannot take a
 * connection at all (it has nothing to serve it with), and a draining one
 * refuses new sockets, so both come last; among serving workers, the one
 * with the fewest Socket.IO sessions. Raw WebSocket clients are not
 * counted (the primary never learns of them): they, like ties, are dealt
 * at random among the lightest workers.
 */
export function routingWeight(w: Routable): number {
  const penalty = !w.serving ? 2 * ROUTING_PENALTY : w.leaving ? ROUTING_PENALTY : 0;
  return penalty + w.sessions;
}
