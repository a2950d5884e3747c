import type { InstancePresence } from '../ports.js';
import type { StatsSample, WorkerStats } from '../stats/stats-sample.js';

/** A worker as last heard of, without its samples. */
export type WorkerStatus = Omit<WorkerStats, 'samples'>;

interface Known {
  status: WorkerStatus;
  /** Asker's clock when it last answered. */
  lastSeen: number;
  samples: StatsSample[];
}

export interface HistoryOptions {
  /** How far back the charts go. Default 10 minutes. */
  readonly windowMs?: number;
  /** A worker silent this long is shown as not answering; it also stops holding `since()` back. Default 5 s. */
  readonly silentAfterMs?: number;
}

/**
 * What the asking process has heard from every worker: its latest status
 * and its samples of the last window, merged from `stats` replies (which
 * carry only the samples after the asker's `since()`).
 */
export class DeploymentHistory {
  private readonly workers = new Map<string, Known>();
  readonly windowMs: number;
  readonly silentAfterMs: number;

  constructor(options: HistoryOptions = {}) {
    this.windowMs = options.windowMs ?? 10 * 60_000;
    this.silentAfterMs = options.silentAfterMs ?? 5_000;
  }

  record(stats: WorkerStats, now: number): void {
    const { samples, ...status } = stats;
    let known = this.workers.get(stats.instance);
    if (!known) {
      known = { status, lastSeen: now, samples: [] };
      this.workers.set(stats.instance, known);
    }
    known.status = status;
    known.lastSeen = now;
    const newest = known.samples.at(-1)?.t ?? Number.NEGATIVE_INFINITY;
    for (const sample of samples) if (sample.t > newest) known.samples.push(sample);
  }

  /** Forgets samples older than the window, and workers with nothing left to show. */
  prune(now: number): void {
    const oldest = now - this.windowMs;
    for (const [instance, known] of this.workers) {
      known.samples = known.samples.filter((s) => s.t >= oldest);
      if (known.lastSeen < oldest) this.workers.delete(instance);
    }
  }

  /**
   * The `since` of the next request: the oldest "newest sample" among the
   * workers still answering, so none of them skips a sample; 0 (everything)
   * while nothing is known.
   */
  since(now: number): number {
    const newest = [...this.workers.values()]
      .filter((k) => now - k.lastSeen <= this.silentAfterMs)
      .map((k) => k.samples.at(-1)?.t ?? 0);
    return newest.length === 0 ? 0 : Math.min(...newest);
  }

  /** Workers heard from within silentAfterMs: how many replies a round can expect. */
  answering(now: number): number {
    return [...this.workers.values()].filter((k) => now - k.lastSeen <= this.silentAfterMs).length;
  }

  entries(): ReadonlyArray<Readonly<Known>> {
    return [...this.workers.values()];
  }
}

/** The presence counts, by instance name. */
export type PresenceIndex = ReadonlyMap<string, InstancePresence>;
