/**
 * The supervisor's decisions, as pure functions so they are tested without
 * processes: how long to wait before restarting, when a worker is silent,
 * when it uses too much memory.
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
 * True when a worker last heard of at `lastHeardAt` is overdue at `now`.
 * Before its first heartbeat a worker is still loading and connecting to
 * the broker, which takes longer than a heartbeat gap on a busy machine.
 */
export function isSilent(lastHeardAt: number, now: number, workerTimeout: number, heartbeats = 1): boolean {
  const limit = heartbeats === 0 ? Math.max(workerTimeout, STARTUP_GRACE_MS) : workerTimeout;
  return now - lastHeardAt > limit;
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
