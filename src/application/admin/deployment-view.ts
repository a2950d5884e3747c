import type { InstancePresence } from '../ports.js';
import type { ConnectionHealth } from '../stats/connection-health.js';
import type { MemoryLimits, MemoryReading, StatsSample } from '../stats/stats-sample.js';
import type { DeploymentHistory } from './deployment-history.js';

export interface WorkerView {
  readonly instance: string;
  readonly pid: number;
  readonly startedAt: number;
  readonly uptimeMs: number;
  readonly clients: number;
  /** Logged-in clients, from presence (undefined while presence cannot be read). */
  readonly loggedIn?: number;
  readonly heldPushes: number;
  readonly draining: boolean;
  readonly memory: MemoryReading;
  readonly limits: MemoryLimits;
  readonly loopLagMs: number;
  readonly health: readonly ConnectionHealth[];
  /** False once it missed the last rounds: the row shows when it was last heard of. */
  readonly answering: boolean;
  readonly lastSeen: number;
}

/** One gateway instance: a supervisor and its workers on one host and port (or a single process). */
export interface InstanceView {
  readonly name: string;
  readonly host: string;
  readonly port: number;
  readonly supervisorPid?: number;
  readonly workers: readonly WorkerView[];
}

/**
 * One second of the deployment: rates per second summed over workers,
 * held pushes summed, connected clients per worker.
 */
export interface DashboardRow {
  readonly t: number;
  readonly clients: Readonly<Record<string, number>>;
  readonly messagesIn: number;
  readonly messagesOut: number;
  readonly heldPushes: number;
  readonly resends: number;
  readonly requeues: number;
  readonly errors: Readonly<Record<string, number>>;
  readonly publishFailures: Readonly<Record<string, number>>;
  readonly closes: Readonly<Record<string, number>>;
}

export interface DeploymentState {
  readonly now: number;
  readonly instances: readonly InstanceView[];
  /** Instances with clients in presence whose worker did not answer (hung, or another version). */
  readonly silentInPresence: readonly InstancePresence[];
  /** Presence could not be read (Redis down): logged-in counts are missing. */
  readonly presenceError?: string;
  readonly totals: { readonly workers: number; readonly clients: number; readonly loggedIn: number; readonly heldPushes: number };
  /** Rows after the page's `since`, oldest first. */
  readonly rows: readonly DashboardRow[];
  readonly windowMs: number;
}

export interface ViewInput {
  readonly history: DeploymentHistory;
  readonly presence: readonly InstancePresence[] | undefined;
  readonly presenceError?: string;
  readonly since: number;
  readonly now: number;
  /** The workers' sampling interval; rows are per `intervalMs` buckets, rates per second. */
  readonly intervalMs: number;
}

/** The admin page's state, from what the history and presence hold. Pure. */
export function deploymentView(input: ViewInput): DeploymentState {
  const { history, now } = input;
  const presence = new Map((input.presence ?? []).map((p) => [p.instance, p]));
  const visible = history.entries().filter((k) => now - k.lastSeen <= 6 * history.silentAfterMs);

  const byInstance = new Map<string, { host: string; port: number; supervisorPid?: number; workers: WorkerView[] }>();
  for (const known of visible) {
    const s = known.status;
    const name = `${s.host}:${s.port}`;
    let group = byInstance.get(name);
    if (!group) {
      group = { host: s.host, port: s.port, ...(s.supervisorPid !== undefined ? { supervisorPid: s.supervisorPid } : {}), workers: [] };
      byInstance.set(name, group);
    }
    const p = presence.get(s.instance);
    const loggedIn = input.presence === undefined ? undefined : (p?.loggedIn ?? 0);
    group.workers.push({
      instance: s.instance,
      pid: s.pid,
      startedAt: s.startedAt,
      uptimeMs: Math.max(0, s.now - s.startedAt + (now - known.lastSeen)),
      clients: s.clients,
      ...(loggedIn !== undefined ? { loggedIn } : {}),
      heldPushes: s.heldPushes,
      draining: s.draining,
      memory: s.memory,
      limits: s.limits,
      loopLagMs: s.loopLagMs,
      health: s.health,
      answering: now - known.lastSeen <= history.silentAfterMs,
      lastSeen: known.lastSeen,
    });
  }
  const instances: InstanceView[] = [...byInstance.entries()]
    .sort(([a], [b]) => a.localeCompare(b))
    .map(([name, g]) => ({ name, ...g, workers: g.workers.sort((a, b) => a.pid - b.pid) }));

  const answered = new Set(visible.map((k) => k.status.instance));
  const silentInPresence = [...presence.values()].filter((p) => !answered.has(p.instance));
  const workers = instances.flatMap((i) => i.workers).filter((w) => w.answering);

  return {
    now,
    instances,
    silentInPresence,
    ...(input.presenceError !== undefined ? { presenceError: input.presenceError } : {}),
    totals: {
      workers: workers.length,
      clients: workers.reduce((n, w) => n + w.clients, 0),
      loggedIn: workers.reduce((n, w) => n + (w.loggedIn ?? 0), 0),
      heldPushes: workers.reduce((n, w) => n + w.heldPushes, 0),
    },
    rows: dashboardRows(history, input.since, input.intervalMs),
    windowMs: history.windowMs,
  };
}

interface MutableRow {
  t: number;
  clients: Record<string, number>;
  held: Record<string, number>;
  messagesIn: number;
  messagesOut: number;
  resends: number;
  requeues: number;
  errors: Record<string, number>;
  publishFailures: Record<string, number>;
  closes: Record<string, number>;
}

/** One worker's share of one bucket: counts and the ms they were counted over, gauges at its end. */
interface WorkerBucket {
  ms: number;
  messagesIn: number;
  messagesOut: number;
  resends: number;
  requeues: number;
  errors: Record<string, number>;
  publishFailures: Record<string, number>;
  closes: Record<string, number>;
  clients: number;
  held: number;
}

/** A worker silent for longer than this many intervals shows a gap, not a guess. */
const MAX_FILLED_INTERVALS = 5;

/**
 * Every worker's samples after `since`, in buckets of `intervalMs`:
 * - rates per second are each worker's counts over the ms they were
 *   counted in (two samples in one bucket, from a timer that fired twice,
 *   do not double; one sample covering two buckets, from a late timer, is
 *   spread over both), summed over workers;
 * - gauges (clients, held pushes) are each worker's latest in the bucket,
 *   carried over buckets a late timer skipped, summed for held pushes.
 */
export function dashboardRows(history: DeploymentHistory, since: number, intervalMs: number): DashboardRow[] {
  const bucketOf = (t: number): number => Math.round(t / intervalMs) * intervalMs;
  const rows = new Map<number, MutableRow>();
  for (const known of history.entries()) {
    const worker = known.status.instance;
    const mine = new Map<number, WorkerBucket>();
    let previous: StatsSample | undefined;
    for (const s of known.samples) {
      if (s.t <= since) {
        previous = s;
        continue;
      }
      const end = bucketOf(s.t);
      const start = previous === undefined ? end : bucketOf(previous.t) + intervalMs;
      const span = end - start <= (MAX_FILLED_INTERVALS - 1) * intervalMs && start <= end ? (end - start) / intervalMs + 1 : 1;
      for (let i = 0; i < span; i++) {
        const t = end - (span - 1 - i) * intervalMs;
        const gauges = t === end || previous === undefined ? s : previous;
        let b = mine.get(t);
        if (!b) {
          b = { ms: 0, messagesIn: 0, messagesOut: 0, resends: 0, requeues: 0, errors: {}, publishFailures: {}, closes: {}, clients: 0, held: 0 };
          mine.set(t, b);
        }
        b.ms += s.ms / span;
        b.messagesIn += s.messagesIn / span;
        b.messagesOut += s.messagesOut / span;
        b.resends += s.resends / span;
        b.requeues += s.requeues / span;
        addAll(b.errors, s.errors, 1 / span);
        addAll(b.publishFailures, s.publishFailures, 1 / span);
        addAll(b.closes, s.closes, 1 / span);
        b.clients = gauges.clients;
        b.held = gauges.heldPushes;
      }
      previous = s;
    }
    for (const [t, b] of mine) {
      if (t <= since) continue;
      let row = rows.get(t);
      if (!row) {
        row = { t, clients: {}, held: {}, messagesIn: 0, messagesOut: 0, resends: 0, requeues: 0, errors: {}, publishFailures: {}, closes: {} };
        rows.set(t, row);
      }
      const perSecond = 1000 / Math.max(1, b.ms);
      row.clients[worker] = b.clients;
      row.held[worker] = b.held;
      row.messagesIn += b.messagesIn * perSecond;
      row.messagesOut += b.messagesOut * perSecond;
      row.resends += b.resends * perSecond;
      row.requeues += b.requeues * perSecond;
      addAll(row.errors, b.errors, perSecond);
      addAll(row.publishFailures, b.publishFailures, perSecond);
      addAll(row.closes, b.closes, perSecond);
    }
  }
  return [...rows.values()]
    .sort((a, b) => a.t - b.t)
    .map(({ held, ...row }) => ({ ...row, heldPushes: Object.values(held).reduce((n, h) => n + h, 0) }));
}

function addAll(into: Record<string, number>, from: Readonly<Record<string, number>>, factor: number): void {
  for (const [key, n] of Object.entries(from)) into[key] = (into[key] ?? 0) + n * factor;
}
