import { Samples, type LatencySummary } from './histogram.js';
import type { ScenarioId, Side } from './scenarios.js';

/** One side of one scenario in one round. */
export interface Measurement {
  scenario: ScenarioId;
  side: Side;
  round: number;
  workers: number;
  clients: number;
  connect: { ms: number; errors: number };
  completed: number;
  allCompleted: number;
  durationMs: number;
  errors: number;
  errorSamples: string[];
  latencies: number[];
  server: {
    rssStartBytes: number; rssEndBytes: number; cpuSeconds: number; cpuPercent: number; processes: number;
    /** read and write system calls during the load. */
    syscr: number; syscw: number;
  };
  /** Idle scenario: server RSS growth per connection, KB. */
  kbPerConnection?: number;
  /** CPU seconds of the broker's beam.smp process(es) during the load. */
  brokerCpuSeconds?: number;
}

export interface SideSummary {
  rounds: number;
  rps: number;
  latency: LatencySummary;
  errors: number;
  connectMs: number;
  connectErrors: number;
  rssMB: number;
  cpuPercent: number;
  /** Server CPU time per completed request, ms. */
  cpuMsPerRequest: number;
  /** Server write system calls per completed request. */
  writesPerRequest: number;
  /** RabbitMQ CPU time per completed request, ms (the whole broker: anyone else's use of it included). */
  brokerCpuMsPerRequest?: number;
  kbPerConnection?: number;
}

export interface ScenarioSummary {
  scenario: ScenarioId;
  relay?: SideSummary;
  gateway?: SideSummary;
  ratios: { rps?: number; p99?: number; p50DiffMs?: number; kbPerConnection?: number };
  targets: Array<{ name: string; value: number; limit: string; met: boolean }>;
}

const mean = (xs: number[]): number => (xs.length === 0 ? 0 : xs.reduce((a, b) => a + b, 0) / xs.length);

/** Rounds are merged: all latency samples together, throughput over the summed windows. */
export function summarizeSide(ms: Measurement[]): SideSummary | undefined {
  if (ms.length === 0) return undefined;
  const samples = new Samples();
  for (const m of ms) samples.addAll(m.latencies);
  const duration = ms.reduce((n, m) => n + m.durationMs, 0);
  const completed = ms.reduce((n, m) => n + m.completed, 0);
  const all = ms.reduce((n, m) => n + m.allCompleted, 0);
  const kb = ms.flatMap((m) => (m.kbPerConnection === undefined ? [] : [m.kbPerConnection]));
  return {
    rounds: ms.length,
    rps: duration > 0 ? (completed * 1000) / duration : 0,
    latency: samples.summary(),
    errors: ms.reduce((n, m) => n + m.errors + m.connect.errors, 0),
    connectMs: Math.max(...ms.map((m) => m.connect.ms)),
    connectErrors: ms.reduce((n, m) => n + m.connect.errors, 0),
    rssMB: Math.max(...ms.map((m) => m.server.rssEndBytes)) / 2 ** 20,
    cpuPercent: mean(ms.map((m) => m.server.cpuPercent)),
    cpuMsPerRequest: all > 0 ? (ms.reduce((n, m) => n + m.server.cpuSeconds, 0) * 1000) / all : 0,
    writesPerRequest: all > 0 ? ms.reduce((n, m) => n + m.server.syscw, 0) / all : 0,
    ...(all > 0 && ms.every((m) => m.brokerCpuSeconds !== undefined)
      ? { brokerCpuMsPerRequest: (ms.reduce((n, m) => n + m.brokerCpuSeconds!, 0) * 1000) / all }
      : {}),
    ...(kb.length > 0 ? { kbPerConnection: mean(kb) } : {}),
  };
}

export function summarize(scenario: ScenarioId, all: Measurement[]): ScenarioSummary {
  const relay = summarizeSide(all.filter((m) => m.scenario === scenario && m.side === 'relay'));
  const gateway = summarizeSide(all.filter((m) => m.scenario === scenario && m.side === 'gateway'));
  const ratios: ScenarioSummary['ratios'] = {};
  const targets: ScenarioSummary['targets'] = [];
  const target = (name: string, value: number, limit: string, met: boolean): void => {
    targets.push({ name, value, limit, met });
  };
  if (relay && gateway) {
    if (scenario !== 'c') {
      ratios.rps = relay.rps > 0 ? gateway.rps / relay.rps : 0;
      ratios.p99 = relay.latency.p99 > 0 ? gateway.latency.p99 / relay.latency.p99 : 0;
      ratios.p50DiffMs = gateway.latency.p50 - relay.latency.p50;
    }
    if (relay.kbPerConnection !== undefined && gateway.kbPerConnection !== undefined) {
      ratios.kbPerConnection = relay.kbPerConnection > 0 ? gateway.kbPerConnection / relay.kbPerConnection : 0;
    }
    if (scenario === 'a' || scenario === 'b') {
      target('throughput gateway/relay', ratios.rps!, '>= 0.9', ratios.rps! >= 0.9);
      target('p99 gateway/relay', ratios.p99!, '<= 1.2', ratios.p99! <= 1.2);
    }
    if (scenario === 'd') target('p50 gateway - relay, ms', ratios.p50DiffMs!, '<= 0.5', ratios.p50DiffMs! <= 0.5);
    if (scenario === 'c' && ratios.kbPerConnection !== undefined) {
      target('KB/connection gateway/relay', ratios.kbPerConnection, '<= 1.5', ratios.kbPerConnection <= 1.5);
    }
  }
  if (scenario === 'e' && gateway) {
    target('gateway errors', gateway.errors, '= 0', gateway.errors === 0);
    target('gateway connect+login all, s', gateway.connectMs / 1000, '< 30', gateway.connectMs < 30_000);
    target('gateway p99, ms', gateway.latency.p99, '< 200', gateway.latency.p99 < 200);
  }
  return { scenario, ...(relay ? { relay } : {}), ...(gateway ? { gateway } : {}), ratios, targets };
}

const f = (n: number | undefined, digits = 1): string => (n === undefined || !Number.isFinite(n) ? '-' : n.toFixed(digits));

/** The terminal table: one row per scenario and side, then the ratios and targets. */
export function table(summaries: ScenarioSummary[]): string {
  const head = ['scn', 'side', 'rps', 'p50 ms', 'p90 ms', 'p99 ms', 'max ms', 'errors', 'conn s', 'RSS MB', 'CPU %', 'CPUms/req', 'wr/req', 'KB/conn', 'MQms/req'];
  const rows: string[][] = [head];
  for (const s of summaries) {
    for (const side of ['relay', 'gateway'] as const) {
      const x = s[side];
      if (!x) continue;
      rows.push([
        s.scenario, side, f(x.rps, 0), f(x.latency.p50, 2), f(x.latency.p90, 2), f(x.latency.p99, 2), f(x.latency.max, 1),
        String(x.errors), f(x.connectMs / 1000, 2), f(x.rssMB, 0), f(x.cpuPercent, 0), f(x.cpuMsPerRequest, 3), f(x.writesPerRequest, 2), f(x.kbPerConnection, 1),
        f(x.brokerCpuMsPerRequest, 3),
      ]);
    }
    const r = s.ratios;
    if (r.rps !== undefined || r.kbPerConnection !== undefined) {
      rows.push([s.scenario, 'gw/relay', f(r.rps, 2), `${r.p50DiffMs === undefined ? '-' : (r.p50DiffMs >= 0 ? '+' : '') + f(r.p50DiffMs, 2)}`, '', f(r.p99, 2), '', '', '', '', '', '', '', f(r.kbPerConnection, 2)]);
    }
  }
  const widths = head.map((_, i) => Math.max(...rows.map((row) => (row[i] ?? '').length)));
  const lines = rows.map((row) => row.map((cell, i) => cell.padStart(widths[i]!)).join('  '));
  lines.splice(1, 0, widths.map((w) => '-'.repeat(w)).join('  '));
  const checks = summaries.flatMap((s) => s.targets.map((t) => `  ${t.met ? 'MET   ' : 'MISSED'} (${s.scenario}) ${t.name}: ${f(t.value, 2)} (target ${t.limit})`));
  return [...lines, '', 'gw/relay row: rps ratio, p50 difference (ms), p99 ratio, KB/conn ratio. CPUms/req and wr/req: server CPU time and write syscalls per request during the load; MQms/req: RabbitMQ (beam.smp) CPU time per request', 'targets:', ...checks].join('\n');
}
