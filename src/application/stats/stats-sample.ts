import type { ConnectionHealth } from './connection-health.js';

/** What one worker counted in one sampling interval (counts) and saw at its end (gauges). */
export interface StatsSample {
  /** Epoch ms at the end of the interval. */
  readonly t: number;
  /** Length of the interval, ms. */
  readonly ms: number;
  readonly messagesIn: number;
  readonly messagesOut: number;
  readonly resends: number;
  /** Deliveries handed back to the broker for another consumer. */
  readonly requeues: number;
  /** Gauge: agent deliveries held unsettled (pushes awaiting the client's ack). */
  readonly heldPushes: number;
  /** Gauge: connected sockets. */
  readonly clients: number;
  /** gatewayError sent, by code. */
  readonly errors: Readonly<Record<string, number>>;
  /** Publishes to agents that failed, by reason. */
  readonly publishFailures: Readonly<Record<string, number>>;
  /** Sockets closed, by close reason. */
  readonly closes: Readonly<Record<string, number>>;
  /** p99 event-loop delay over the interval, ms. */
  readonly loopLagMs: number;
  readonly rss: number;
  readonly heapUsed: number;
}

/** Bytes of memory of a process, as node reports them. */
export interface MemoryReading {
  readonly rss: number;
  readonly heapUsed: number;
  readonly heapTotal: number;
}

/** The process at the end of an interval: what the collector cannot count itself. */
export interface ProcessReading {
  readonly memory: MemoryReading;
  readonly loopLagMs: number;
}

/** MB, as cluster.memoryWarning / cluster.memoryLimit (0 = no limit). */
export interface MemoryLimits {
  readonly rssLimitMb: number;
  readonly heapUsedLimitMb: number;
  readonly rssWarningMb: number;
  readonly heapTotalWarningMb: number;
}

/** One worker as the admin page shows it: its `stats` reply on the admin bus. */
export interface WorkerStats {
  /** The worker's presence name (host:port:pid). */
  readonly instance: string;
  readonly host: string;
  readonly port: number;
  readonly pid: number;
  /** The cluster supervisor's pid; absent for a single process. */
  readonly supervisorPid?: number;
  readonly startedAt: number;
  /** The worker's clock when it answered. */
  readonly now: number;
  readonly clients: number;
  readonly heldPushes: number;
  /** Refusing new sockets (graceful restart or shutdown under way). */
  readonly draining: boolean;
  readonly memory: MemoryReading;
  readonly limits: MemoryLimits;
  readonly loopLagMs: number;
  readonly health: readonly ConnectionHealth[];
  /** Samples newer than the request's `since`, oldest first. */
  readonly samples: readonly StatsSample[];
}
