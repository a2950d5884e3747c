import type { CompiledServers } from './compile.js';
import { mkdirSync, writeFileSync } from 'node:fs';
import { dirname } from 'node:path';
import { BROKER, deleteQueues } from './broker.js';
import { startTs } from './children.js';
import { Samples } from './histogram.js';
import { LoadgenPool } from './loadgen-pool.js';
import { sampleProcess } from './proc-stats.js';
import { SIDES, type Side } from './scenarios.js';
import { Servers } from './servers.js';
import { between, snapshot, type Snapshot } from './snapshot.js';
import { chartsSvg, type Series } from './svg-plot.js';

/**
 * The scaling curve (issue 12): N logged-in clients, each sending one
 * request every 10 s (an open loop of N/10 requests per second over all of
 * them), for the relay and the gateway at each N. Per point: the time to
 * connect and log in all N, p50/p99 of the requests, server memory per
 * connection, server CPU. From 5,000 clients on the clients are split over
 * two load generator processes (one is then the limit: CPU per socket and
 * one file descriptor per socket).
 */

export interface ScalingOptions {
  vhost: string;
  out: string;
  serverLog: string;
  gatewayArgs: string[];
  relayArgs?: string[];
  nodeArgs?: string[];
  say: (line: string) => void;
  progress: (line: string) => void;
  points?: number[];
  seconds?: number;
  svg?: string;
  sides?: Side[];
  /** Compiled servers (lib/compile.ts); absent = source through tsx. */
  compiled?: CompiledServers;
}

interface Point {
  side: Side;
  clients: number;
  loadgens: number;
  connected: number;
  connectMs: number;
  /** (server RSS 2 s after the last login - before the first connect) / clients. */
  kbPerConnection: number;
  rps: number;
  p50: number;
  p99: number;
  max: number;
  samples: number;
  errors: number;
  errorSamples: string[];
  cpuPercent: number;
  cpuMsPerRequest: number;
  rssMB: number;
  loadavg: number;
  otherCores: number;
}

const DEFAULT_POINTS = [100, 1000, 5000, 10_000];
const PER_CLIENT_INTERVAL_S = 10;
const CONNECT_CONCURRENCY = 200;
/** One load generator up to this many clients; more are split over two (or more, if the fd limit says so). */
const ONE_LOADGEN_MAX = 4000;
const WARMUP_MS = 5000;
const SETTLE_MS = 2000;

const sleep = (ms: number): Promise<void> => new Promise((r) => setTimeout(r, ms));

function loadgensFor(clients: number, fdLimit: number | undefined): number {
  let n = clients > ONE_LOADGEN_MAX ? 2 : 1;
  // Every client is a socket: keep each process well under its open-files limit.
  if (fdLimit !== undefined) while (clients / n > fdLimit - 200) n++;
  return n;
}

export async function runScaling(o: ScalingOptions): Promise<number> {
  const points = o.points ?? DEFAULT_POINTS;
  const sides = o.sides ?? (['relay', 'gateway'] as Side[]);
  const durationMs = (o.seconds ?? 30) * 1000;
  const svg = o.svg ?? o.out.replace(/\.json$/, '') + '.svg';
  const agent = await startTs('bench/agent.ts', ['--amqp', BROKER, '--vhost', o.vhost], { ready: /^agent ready/ });
  const servers = new Servers(false, {
    vhost: o.vhost, logFile: o.serverLog, gatewayArgs: o.gatewayArgs, relayArgs: o.relayArgs ?? [], nodeArgs: o.nodeArgs ?? [],
    ...(o.compiled ? { compiled: o.compiled } : {}),
  });
  const results: Point[] = [];
  const probe = await LoadgenPool.start(1);
  const fdLimit = probe.fdLimit;
  probe.stop();
  o.say(`scaling: ${points.join(', ')} clients, one request per ${PER_CLIENT_INTERVAL_S} s each, ${durationMs / 1000} s measured; load generator open-files limit ${fdLimit ?? 'unknown'}`);
  try {
    for (const [i, clients] of points.entries()) {
      const order = i % 2 === 0 ? sides : [...sides].reverse();
      for (const side of order) {
        const loadgen = await LoadgenPool.start(loadgensFor(clients, fdLimit));
        try {
          results.push(await measurePoint(o, { loadgen, agent, servers }, side, clients, durationMs));
        } finally {
          loadgen.stop();
        }
        write(o.out, results, points, sides, durationMs);
      }
    }
  } finally {
    await servers.stopAll();
    await agent.stop();
  }
  write(o.out, results, points, sides, durationMs);
  mkdirSync(dirname(svg), { recursive: true });
  writeFileSync(svg, scalingSvg(results, sides, durationMs));
  o.say('');
  o.say(scalingTable(results));
  o.say(`\nJSON: ${o.out}\nSVG: ${svg}`);
  return results.some((r) => r.errors > 0) ? 1 : 0;
}

async function measurePoint(
  o: ScalingOptions,
  bench: { loadgen: LoadgenPool; agent: Awaited<ReturnType<typeof startTs>>; servers: Servers },
  side: Side,
  clients: number,
  durationMs: number,
): Promise<Point> {
  const label = `[scaling ${SIDES[side].label} ${clients}]`;
  const { server, url } = await bench.servers.get(side);
  let queues: string[] = [];
  try {
    bench.loadgen.onProgress = (e) => o.progress(`${label} ${e.phase}: ${e.done}${e.total ? `/${e.total}` : ''} done, ${e.errors} errors`);
    await sleep(500);
    const before = sampleProcess(server.pid);
    const connect = await bench.loadgen.connect(url, SIDES[side].transport, clients, true, CONNECT_CONCURRENCY);
    await sleep(SETTLE_MS);
    const settled = sampleProcess(server.pid);
    let opened: Snapshot | undefined;
    let closed: Snapshot | undefined;
    bench.loadgen.onWindow = (edge) => {
      if (edge === 'start') opened = snapshot(bench, server.pid);
      else closed = snapshot(bench, server.pid);
    };
    const load = await bench.loadgen.load({ kind: 'open', rate: clients / PER_CLIENT_INTERVAL_S, warmupMs: WARMUP_MS, durationMs });
    bench.loadgen.onWindow = () => undefined;
    if (!opened || !closed) throw new Error(`${label}: the load generator did not report its measured window`);
    const w = between(opened, closed);
    queues = (await bench.loadgen.close()).queues;
    const samples = new Samples();
    samples.addAll(load.latencies);
    const lat = samples.summary();
    const p: Point = {
      side, clients, loadgens: bench.loadgen.size, connected: connect.connected, connectMs: connect.ms,
      kbPerConnection: connect.connected > 0 ? (settled.rss - before.rss) / 1024 / connect.connected : 0,
      rps: (load.completed * 1000) / durationMs, p50: lat.p50, p99: lat.p99, max: lat.max, samples: lat.count,
      errors: connect.errors + load.errors, errorSamples: [...connect.errorSamples, ...load.errorSamples].slice(0, 10),
      cpuPercent: w.wallSeconds > 0 ? (w.serverCpu / w.wallSeconds) * 100 : 0,
      cpuMsPerRequest: load.windowCompleted > 0 ? (w.serverCpu * 1000) / load.windowCompleted : Number.NaN,
      rssMB: closed.server.rss / 2 ** 20, loadavg: opened.loadavg, otherCores: w.otherCores,
    };
    o.say(
      `${label} connect+login ${(p.connectMs / 1000).toFixed(1)} s, ${p.kbPerConnection.toFixed(1)} KB/conn, ${p.rps.toFixed(0)} rps, ` +
        `p50 ${p.p50.toFixed(1)} / p99 ${p.p99.toFixed(1)} ms, ${p.errors} errors, load ${p.loadavg.toFixed(1)}, others ${p.otherCores.toFixed(2)} cores`,
    );
    for (const e of p.errorSamples) o.say(`    ${e}`);
    return p;
  } finally {
    await bench.servers.release(side);
    await deleteQueues(o.vhost, queues).catch((err: unknown) => o.say(`  (could not delete ${queues.length} reply queues: ${String(err)})`));
  }
}

function write(out: string, results: Point[], points: number[], sides: Side[], durationMs: number): void {
  mkdirSync(dirname(out), { recursive: true });
  writeFileSync(out, JSON.stringify({
    date: new Date().toISOString(), node: process.version, kind: 'scaling', points, sides,
    perClientIntervalS: PER_CLIENT_INTERVAL_S, warmupMs: WARMUP_MS, durationMs, results,
  }, null, 2));
}

const COLORS: Record<Side, string> = { relay: '#1f77b4', gateway: '#d62728', gwq: '#ff7f0e', ws: '#2ca02c', sup1: '#9467bd', sup2: '#8c564b' };

export function scalingSvg(results: Point[], sides: Side[], durationMs: number): string {
  const line = (side: Side, y: (p: Point) => number, suffix = '', dashed = false): Series => ({
    name: `${SIDES[side].label}${suffix}`,
    color: COLORS[side],
    dashed,
    points: results.filter((r) => r.side === side).sort((a, b) => a.clients - b.clients).map((r) => [r.clients, y(r)]),
  });
  return chartsSvg(
    `Scaling: logged-in clients, one request per ${PER_CLIENT_INTERVAL_S} s each (${new Date().toISOString().slice(0, 10)})`,
    [
      { title: 'connect + log in all clients', yLabel: 'seconds', series: sides.map((s) => line(s, (r) => r.connectMs / 1000)) },
      { title: 'request latency: p99 solid, p50 dashed', yLabel: 'ms', series: sides.flatMap((s) => [line(s, (r) => r.p99), line(s, (r) => r.p50, '', true)]) },
      { title: 'server memory per connection', yLabel: 'KB (RSS)', series: sides.map((s) => line(s, (r) => r.kbPerConnection)) },
    ],
    `npm run bench -- --scaling; ${durationMs / 1000} s measured per point; bench/README.md has the table and the machine's load`,
  );
}

export function scalingTable(results: Point[]): string {
  const head = ['clients', 'side', 'gens', 'conn s', 'KB/conn', 'rps', 'p50 ms', 'p99 ms', 'max ms', 'errors', 'CPU %', 'CPUms/req', 'RSS MB', 'load', 'others'];
  const rows = [head, ...[...results].sort((a, b) => a.clients - b.clients || a.side.localeCompare(b.side)).map((r) => [
    String(r.clients), SIDES[r.side].label, String(r.loadgens), (r.connectMs / 1000).toFixed(1), r.kbPerConnection.toFixed(1), r.rps.toFixed(0),
    r.p50.toFixed(1), r.p99.toFixed(1), r.max.toFixed(0), String(r.errors), r.cpuPercent.toFixed(0), r.cpuMsPerRequest.toFixed(3),
    r.rssMB.toFixed(0), r.loadavg.toFixed(1), r.otherCores.toFixed(2),
  ])];
  const widths = head.map((_, i) => Math.max(...rows.map((row) => row[i]!.length)));
  const lines = rows.map((row) => row.map((c, i) => c.padStart(widths[i]!)).join('  '));
  lines.splice(1, 0, widths.map((w) => '-'.repeat(w)).join('  '));
  return lines.join('\n');
}
