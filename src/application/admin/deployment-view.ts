import type { InstancePresence } from '../ports.js';
import type { ConnectionHealth } from '../stats/connection-health.js';
import type { MemoryLimits, MemoryReading } from '../stats/stats-sample.js';
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
  /** Per worker, the gauge of its latest sample in this bucket. */
  held: Record<string, number>;
  messagesIn: number;
  messagesOut: number;
  resends: number;
  requeues: number;
  errors: Record<string, number>;
  publishFailures: Record<string, number>;
  closes: Record<string, number>;
}

/**
 * Every worker's samples after `since`, bucketed by interval: counts summed
 * (a worker's two samples in one bucket, from a late timer, add up), gauges
 * taken from each worker's latest sample of the bucket.
 */
export function dashboardRows(history: DeploymentHistory, since: number, intervalMs: number): DashboardRow[] {
  const rows = new Map<number, MutableRow>();
  const perSecond = 1000 / intervalMs;
  for (const known of history.entries()) {
    const worker = known.status.instance;
    for (const s of known.samples) {
      if (s.t <= since) continue;
      const t = Math.round(s.t / intervalMs) * intervalMs;
      let row = rows.get(t);
      if (!row) {
        row = { t, clients: {}, held: {}, messagesIn: 0, messagesOut: 0, resends: 0, requeues: 0, errors: {}, publishFailures: {}, closes: {} };
        rows.set(t, row);
      }
      row.clients[worker] = s.clients;
      row.held[worker] = s.heldPushes;
      row.messagesIn += s.messagesIn * perSecond;
      row.messagesOut += s.messagesOut * perSecond;
      row.resends += s.resends * perSecond;
      row.requeues += s.requeues * perSecond;
      addAll(row.errors, s.errors, perSecond);
      addAll(row.publishFailures, s.publishFailures, perSecond);
      addAll(row.closes, s.closes, perSecond);
    }
  }
  return [...rows.values()]
    .sort((a, b) => a.t - b.t)
    .map(({ held, ...row }) => ({ ...row, heldPushes: Object.values(held).reduce((n, h) => n + h, 0) }));
}

function addAll(into: Record<string, number>, from: Readonly<Record<string, number>>, factor: number): void {
  for (const [key, n] of Object.entries(from)) into[key] = (into[key] ?? 0) + n * factor;
}
