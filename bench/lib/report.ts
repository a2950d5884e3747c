import { Samples, type LatencySummary } from './histogram.js';
import { SIDES, type ScenarioId, type Side } from './scenarios.js';

/** One side of one scenario in one round. */
export interface Measurement {
  scenario: ScenarioId;
  side: Side;
  round: number;
  workers: number;
  clients: number;
  connect: { ms: number; errors: number };
  /** Requests sent inside the window and completed. */
  completed: number;
  allCompleted: number;
  /** Completions inside the window, whenever sent: what the window's CPU time is divided by. */
  windowCompleted: number;
  durationMs: number;
  errors: number;
  errorSamples: string[];
  latencies: number[];
  /** The server over the measured window (its whole process tree: supervisor + workers). */
  server: {
    rssStartBytes: number; rssEndBytes: number; cpuSeconds: number; cpuPercent: number; processes: number;
    /** read and write system calls during the window. */
    syscr: number; syscw: number;
  };
  /** The broker (beam.smp listening on the bench's AMQP port) over the same window; shared with whatever else uses it. */
  broker?: { cpuSeconds: number };
  /** How busy the machine was: load average when the window opened, and cores used by processes other than the bench's. */
  machine: { loadavg: number; otherCores: number; wallSeconds: number };
  /** Idle scenario: server RSS growth per connection, KB. */
  kbPerConnection?: number;
}

export interface SideSummary {
  rounds: number;
  /** Medians over the rounds of the per-round figures. */
  rps: number;
  p50: number;
  p99: number;
  /** All rounds' samples together (exact percentiles). */
  latency: LatencySummary;
  errors: number;
  connectMs: number;
  connectErrors: number;
  rssMB: number;
  cpuPercent: number;
  /** Server CPU time over the window per request completed in it, ms (median over rounds). */
  cpuMsPerRequest: number;
  /** The broker's CPU time over the same window per request, ms (median over rounds). */
  brokerCpuMsPerRequest?: number;
  /** Server write system calls per request. */
  writesPerRequest: number;
  kbPerConnection?: number;
  /** Median load average and cores taken by other processes while this side was measured. */
  loadavg: number;
  otherCores: number;
}

/** One side against the relay of the same round, median over the rounds. */
export interface Ratios {
  rps?: number;
  p99?: number;
  p50DiffMs?: number;
  cpuPerRequest?: number;
  kbPerConnection?: number;
  /** Each round's rps ratio, to see the spread behind the median. */
  rpsByRound?: number[];
}

export interface ScenarioSummary {
  scenario: ScenarioId;
  sides: Partial<Record<Side, SideSummary>>;
  /** Each side but the relay, compared with the relay. */
  vsRelay: Partial<Record<Side, Ratios>>;
  /** The Socket.IO gateway's and the relay's summaries and their ratios, under the names older reports used. */
  relay?: SideSummary;
  gateway?: SideSummary;
  ratios: Ratios;
  targets: Array<{ name: string; value: number; limit: string; met: boolean }>;
}

const mean = (xs: number[]): number => (xs.length === 0 ? 0 : xs.reduce((a, b) => a + b, 0) / xs.length);

export function median(xs: number[]): number {
  const v = xs.filter((x) => Number.isFinite(x)).sort((a, b) => a - b);
  if (v.length === 0) return Number.NaN;
  const mid = Math.floor(v.length / 2);
  return v.length % 2 === 1 ? v[mid]! : (v[mid - 1]! + v[mid]!) / 2;
}

const rpsOf = (m: Measurement): number => (m.durationMs > 0 ? (m.completed * 1000) / m.durationMs : 0);
const cpuPerRequestOf = (m: Measurement): number => (m.windowCompleted > 0 ? (m.server.cpuSeconds * 1000) / m.windowCompleted : Number.NaN);
const brokerPerRequestOf = (m: Measurement): number =>
  m.broker && m.windowCompleted > 0 ? (m.broker.cpuSeconds * 1000) / m.windowCompleted : Number.NaN;
const percentile = (m: Measurement, q: number): number => {
  const s = new Samples();
  s.addAll(m.latencies);
  const sum = s.summary();
  return q === 0.5 ? sum.p50 : sum.p99;
};

export function summarizeSide(ms: Measurement[]): SideSummary | undefined {
  if (ms.length === 0) return undefined;
  const samples = new Samples();
  for (const m of ms) samples.addAll(m.latencies);
  const kb = ms.flatMap((m) => (m.kbPerConnection === undefined ? [] : [m.kbPerConnection]));
  const broker = median(ms.map(brokerPerRequestOf));
  return {
    rounds: ms.length,
    rps: median(ms.map(rpsOf)),
    p50: median(ms.map((m) => percentile(m, 0.5))),
    p99: median(ms.map((m) => percentile(m, 0.99))),
    latency: samples.summary(),
    errors: ms.reduce((n, m) => n + m.errors + m.connect.errors, 0),
    connectMs: median(ms.map((m) => m.connect.ms)),
    connectErrors: ms.reduce((n, m) => n + m.connect.errors, 0),
    rssMB: Math.max(...ms.map((m) => m.server.rssEndBytes)) / 2 ** 20,
    cpuPercent: median(ms.map((m) => m.server.cpuPercent)),
    cpuMsPerRequest: median(ms.map(cpuPerRequestOf)),
    ...(Number.isFinite(broker) ? { brokerCpuMsPerRequest: broker } : {}),
    writesPerRequest: median(ms.map((m) => (m.windowCompleted > 0 ? m.server.syscw / m.windowCompleted : Number.NaN))),
    ...(kb.length > 0 ? { kbPerConnection: mean(kb) } : {}),
    loadavg: median(ms.map((m) => m.machine.loadavg)),
    otherCores: median(ms.map((m) => m.machine.otherCores)),
  };
}

/** `side` against the relay, round by round (the relay measured next to it), then the median. */
function againstRelay(relay: Measurement[], side: Measurement[]): Ratios {
  const pairs = side.flatMap((m) => {
    const r = relay.find((x) => x.round === m.round);
    return r ? [[r, m] as const] : [];
  });
  if (pairs.length === 0) return {};
  const out: Ratios = {};
  if (pairs.some(([, m]) => m.kbPerConnection !== undefined)) {
    out.kbPerConnection = median(pairs.map(([r, m]) => (m.kbPerConnection ?? Number.NaN) / (r.kbPerConnection ?? Number.NaN)));
    return out;
  }
  out.rpsByRound = pairs.map(([r, m]) => rpsOf(m) / rpsOf(r));
  out.rps = median(out.rpsByRound);
  out.p99 = median(pairs.map(([r, m]) => percentile(m, 0.99) / percentile(r, 0.99)));
  out.p50DiffMs = median(pairs.map(([r, m]) => percentile(m, 0.5) - percentile(r, 0.5)));
  out.cpuPerRequest = median(pairs.map(([r, m]) => cpuPerRequestOf(m) / cpuPerRequestOf(r)));
  return out;
}

export function summarize(scenario: ScenarioId, all: Measurement[]): ScenarioSummary {
  const mine = all.filter((m) => m.scenario === scenario);
  const sides: ScenarioSummary['sides'] = {};
  const vsRelay: ScenarioSummary['vsRelay'] = {};
  const relayMs = mine.filter((m) => m.side === 'relay');
  for (const side of Object.keys(SIDES) as Side[]) {
    const ms = mine.filter((m) => m.side === side);
    const s = summarizeSide(ms);
    if (!s) continue;
    sides[side] = s;
    if (side !== 'relay' && relayMs.length > 0) vsRelay[side] = againstRelay(relayMs, ms);
  }
  const targets: ScenarioSummary['targets'] = [];
  const target = (name: string, value: number | undefined, limit: string, met: (v: number) => boolean): void => {
    if (value === undefined || !Number.isFinite(value)) return;
    targets.push({ name, value, limit, met: met(value) });
  };
  const gw = vsRelay.gateway;
  if (gw && (scenario === 'a' || scenario === 'b')) {
    target('throughput gateway/relay', gw.rps, '>= 0.9', (v) => v >= 0.9);
    target('p99 gateway/relay', gw.p99, '<= 1.2', (v) => v <= 1.2);
    target('CPU per request gateway/relay', gw.cpuPerRequest, '<= 1.2', (v) => v <= 1.2);
  }
  if (gw && scenario === 'd') target('p50 gateway - relay, ms', gw.p50DiffMs, '<= 0.5', (v) => v <= 0.5);
  if (gw && scenario === 'c') target('KB/connection gateway/relay', gw.kbPerConnection, '<= 1.5', (v) => v <= 1.5);
  const ws = vsRelay.ws;
  if (ws && (scenario === 'a' || scenario === 'b' || scenario === 'd')) {
    target('throughput raw WebSocket gateway/relay', ws.rps, '> 1', (v) => v > 1);
  }
  const e = sides.sup2;
  if (scenario === 'e' && e) {
    target('gateway errors', e.errors, '= 0', (v) => v === 0);
    target('gateway connect+login all, s', e.connectMs / 1000, '< 30', (v) => v < 30);
    target('gateway p99, ms', e.latency.p99, '< 200', (v) => v < 200);
  }
  return {
    scenario, sides, vsRelay,
    ...(sides.relay ? { relay: sides.relay } : {}),
    ...(sides.gateway ? { gateway: sides.gateway } : {}),
    ratios: gw ?? {},
    targets,
  };
}

const f = (n: number | undefined, digits = 1): string => (n === undefined || !Number.isFinite(n) ? '-' : n.toFixed(digits));
const signed = (n: number | undefined, digits: number): string => (n === undefined || !Number.isFinite(n) ? '-' : (n >= 0 ? '+' : '') + n.toFixed(digits));

/** The terminal table: one row per scenario and side (medians over rounds), then each side against the relay, and the targets. */
export function table(summaries: ScenarioSummary[]): string {
  const head = ['scn', 'side', 'rounds', 'rps', 'p50 ms', 'p99 ms', 'max ms', 'errors', 'conn s', 'RSS MB', 'CPU %', 'CPUms/req', 'MQms/req', 'wr/req', 'KB/conn', 'load', 'others'];
  const rows: string[][] = [head];
  for (const s of summaries) {
    for (const side of Object.keys(SIDES) as Side[]) {
      const x = s.sides[side];
      if (!x) continue;
      rows.push([
        s.scenario, SIDES[side].label, String(x.rounds), f(x.rps, 0), f(x.p50, 2), f(x.p99, 2), f(x.latency.max, 1),
        String(x.errors), f(x.connectMs / 1000, 2), f(x.rssMB, 0), f(x.cpuPercent, 0), f(x.cpuMsPerRequest, 3),
        f(x.brokerCpuMsPerRequest, 3), f(x.writesPerRequest, 2), f(x.kbPerConnection, 1), f(x.loadavg, 1), f(x.otherCores, 2),
      ]);
    }
    for (const side of Object.keys(SIDES) as Side[]) {
      const r = s.vsRelay[side];
      if (!r || (r.rps === undefined && r.kbPerConnection === undefined)) continue;
      rows.push([
        s.scenario, `${SIDES[side].short}/relay`, '', f(r.rps, 2), signed(r.p50DiffMs, 2), f(r.p99, 2), '', '', '', '', '',
        f(r.cpuPerRequest, 2), '', '', f(r.kbPerConnection, 2), '', '',
      ]);
    }
  }
  const widths = head.map((_, i) => Math.max(...rows.map((row) => (row[i] ?? '').length)));
  const lines = rows.map((row) => row.map((cell, i) => cell.padStart(widths[i]!)).join('  '));
  lines.splice(1, 0, widths.map((w) => '-'.repeat(w)).join('  '));
  const checks = summaries.flatMap((s) => s.targets.map((t) => `  ${t.met ? 'MET   ' : 'MISSED'} (${s.scenario}) ${t.name}: ${f(t.value, 2)} (target ${t.limit})`));
  return [
    ...lines,
    '',
    'Figures are medians over the rounds. x/relay rows: median of the per-round ratios to the relay of the same round (rps, p99, CPU per',
    'request, KB/conn) and of the p50 difference (ms). CPUms/req: server CPU time over the measured window / requests completed in it',
    '(supervisor + workers together); MQms/req: the same for the broker (beam.smp; shared with anything else using it); wr/req: server',
    'write syscalls per request; load: 1-min load average at the window; others: cores busy outside the bench during the window.',
    'targets:',
    ...checks,
  ].join('\n');
}
