import { mkdirSync, writeFileSync } from 'node:fs';
import { createServer } from 'node:net';
import { loadavg } from 'node:os';
import { dirname, join } from 'node:path';
import type { ChildProcess } from 'node:child_process';
import { deleteQueues, ensureVhost, vhostUrl, BROKER } from './lib/broker.js';
import { forkTs, ROOT, startTs, type Started } from './lib/children.js';
import type { CloseResult, ConnectResult, LoadResult, LoadgenCommand, LoadgenEvent } from './lib/loadgen-protocol.js';
import { brokerCpuSeconds, brokerPids } from './lib/broker-cpu.js';
import { sampleProcess } from './lib/proc-stats.js';
import { summarize, table, type Measurement } from './lib/report.js';
import { scenarios, type Scenario, type ScenarioId, type Side } from './lib/scenarios.js';

/**
 * `npm run bench`: the gateway against the bare relay, same broker, same
 * agent, same load generator, alternating sides. See bench/README.md.
 *   --quick          a few seconds (tiny a-d), as `npm test` runs it
 *   --only a,b       run some scenarios
 *   --rounds N       measurements per side and scenario (default 2, quick 1)
 *   --profile        run the servers under `node --cpu-prof` (bench/results/profiles/<side>/)
 *   --out FILE       JSON output (default bench/results/bench-<time>.json)
 *   --clients N      override the client count of the chosen scenarios (trial runs)
 *   --seconds S      override the measured duration of the chosen scenarios (trial runs)
 *   --sides gateway  measure one side only (profiling)
 * Scenario bq is b with quorum reply queues (gateway only): `--only b,bq`.
 * bench/cluster-run.ts runs it all on a 3-node test cluster instead.
 */

const argv = process.argv.slice(2);
const flag = (name: string): boolean => argv.includes(`--${name}`);
const option = (name: string): string | undefined => {
  const i = argv.indexOf(`--${name}`);
  return i >= 0 ? argv[i + 1] : undefined;
};

const quick = flag('quick');
const profile = flag('profile');
const only = option('only')?.split(',') as ScenarioId[] | undefined;
const rounds = Number(option('rounds') ?? (quick ? 1 : 2));
const out = option('out') ?? join(ROOT, 'bench', 'results', `bench-${new Date().toISOString().replace(/[:.]/g, '-')}.json`);
const sides = (option('sides') ?? 'relay,gateway').split(',');
const VHOST = process.env.BENCH_VHOST ?? 'asgw-bench';
const tty = process.stdout.isTTY === true;
/** Servers' own output (warnings, errors), next to the JSON. */
const serverLog = out.replace(/\.json$/, '') + '.servers.log';

let progressShownAt = 0;
function progress(line: string): void {
  if (tty) {
    process.stdout.write(`\r${line.padEnd(100).slice(0, 100)}`);
  } else if (Date.now() - progressShownAt >= 5000) {
    progressShownAt = Date.now();
    console.log(line);
  }
}
function say(line: string): void {
  if (tty) process.stdout.write('\r'.padEnd(101) + '\r');
  console.log(line);
}

// ------------------------------------------------------------ load generator

type WithoutId<T> = T extends unknown ? Omit<T, 'id'> : never;

class Loadgen {
  private nextId = 0;
  private readonly waiting = new Map<number, { resolve: (r: unknown) => void; reject: (e: Error) => void }>();
  onProgress: (e: Extract<LoadgenEvent, { op: 'progress' }>) => void = () => undefined;

  private constructor(readonly child: ChildProcess) {
    child.on('message', (e: LoadgenEvent) => {
      if (e.op === 'progress') this.onProgress(e);
      if (e.op !== 'done' && e.op !== 'failed') return;
      const w = this.waiting.get(e.id);
      this.waiting.delete(e.id);
      if (e.op === 'done') w?.resolve(e.result);
      else w?.reject(new Error(`load generator: ${e.error}`));
    });
    child.on('exit', (code) => {
      for (const w of this.waiting.values()) w.reject(new Error(`load generator exited (${code})`));
      this.waiting.clear();
    });
  }

  static start(): Promise<Loadgen> {
    const child = forkTs(join(ROOT, 'bench', 'loadgen.ts'));
    return new Promise((resolve, reject) => {
      child.once('message', () => resolve(new Loadgen(child)));
      child.once('exit', (code) => reject(new Error(`load generator exited (${code}) before it was ready`)));
    });
  }

  run<T>(cmd: WithoutId<LoadgenCommand>): Promise<T> {
    const id = ++this.nextId;
    return new Promise<T>((resolve, reject) => {
      this.waiting.set(id, { resolve: resolve as (r: unknown) => void, reject });
      this.child.send({ ...cmd, id });
    });
  }

  stop(): void {
    this.child.disconnect();
  }
}

// ------------------------------------------------------------ servers

function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const s = createServer();
    s.once('error', reject);
    s.listen(0, '127.0.0.1', () => {
      const { port } = s.address() as { port: number };
      s.close(() => resolve(port));
    });
  });
}

async function startServer(side: Side, workers: number, queueType: string): Promise<{ server: Started; port: number }> {
  const nodeArgs = profile ? ['--cpu-prof', '--cpu-prof-dir', join(ROOT, 'bench', 'results', 'profiles', side)] : [];
  if (side === 'relay') {
    const server = await startTs('bench/relay.ts', ['--port', '0', '--amqp', vhostUrl(VHOST)], { ready: /^relay listening (\d+)/, nodeArgs, logFile: serverLog });
    return { server, port: Number(server.matches[0]![1]) };
  }
  if (workers === 1) {
    const server = await startTs('bench/gateway-entry.ts', ['--port', '0', '--vhost', VHOST, '--reply-queue-type', queueType], { ready: /^gateway listening (\d+)/, nodeArgs, logFile: serverLog });
    return { server, port: Number(server.matches[0]![1]) };
  }
  const port = await freePort();
  const server = await startTs('bench/gateway-entry.ts', ['--port', String(port), '--vhost', VHOST, '--workers', String(workers), '--reply-queue-type', queueType], {
    ready: /^gateway worker ready (\d+)/,
    count: workers,
    nodeArgs,
    logFile: serverLog,
    timeoutMs: 60_000,
  });
  return { server, port };
}

/**
 * Fresh servers for every measurement (so that memory figures start from
 * the same state), except in --quick mode where start-up would dominate.
 */
class Servers {
  private readonly running = new Map<string, { server: Started; port: number }>();
  constructor(private readonly reuse: boolean) {}

  async get(side: Side, workers: number, queueType = 'classic'): Promise<{ server: Started; port: number }> {
    const key = `${side}/${workers}/${queueType}`;
    const have = this.running.get(key);
    if (have) return have;
    const started = await startServer(side, workers, queueType);
    this.running.set(key, started);
    return started;
  }

  async release(side: Side, workers: number, queueType = 'classic'): Promise<void> {
    if (this.reuse) return;
    await this.stop(`${side}/${workers}/${queueType}`);
  }

  async stopAll(): Promise<void> {
    for (const key of [...this.running.keys()]) await this.stop(key);
  }

  private async stop(key: string): Promise<void> {
    const s = this.running.get(key);
    this.running.delete(key);
    await s?.server.stop();
  }
}

const sleep = (ms: number): Promise<void> => new Promise((r) => setTimeout(r, ms));

// ------------------------------------------------------------ one measurement

async function measure(loadgen: Loadgen, servers: Servers, s: Scenario, side: Side, round: number): Promise<Measurement> {
  const label = `[${s.id} ${side} round ${round}]`;
  const workers = side === 'gateway' ? s.workers : 1;
  const queueType = side === 'gateway' ? (s.replyQueueType ?? 'classic') : 'classic';
  const { server, port } = await servers.get(side, workers, queueType);
  let queues: string[] = [];
  try {
    loadgen.onProgress = (e) =>
      progress(`${label} ${e.phase}: ${e.done}${e.total ? `/${e.total}` : ''} done, ${e.errors} errors`);
    await sleep(500);
    const before = sampleProcess(server.pid);
    const connect = await loadgen.run<ConnectResult>({ op: 'connect', url: `http://127.0.0.1:${port}`, clients: s.clients, login: s.login, concurrency: s.concurrency });
    progress(`${label} ${connect.connected} clients in ${(connect.ms / 1000).toFixed(2)} s`);
    let load: LoadResult = { completed: 0, allCompleted: 0, errors: 0, durationMs: 0, latencies: [], errorSamples: [] };
    let kbPerConnection: number | undefined;
    const startCpu = sampleProcess(server.pid);
    const broker = brokerPids(BROKER);
    const brokerStart = brokerCpuSeconds(broker);
    const startedAt = Date.now();
    if (s.load.kind === 'idle') {
      await sleep(quick ? 500 : 2000);
      const after = sampleProcess(server.pid);
      kbPerConnection = connect.connected > 0 ? (after.rss - before.rss) / 1024 / connect.connected : 0;
    } else {
      const { kind, ...rest } = s.load;
      load = await loadgen.run<LoadResult>(kind === 'closed' ? { op: 'closed', ...(rest as { inflight: number; warmupMs: number; durationMs: number }) } : { op: 'open', ...(rest as { rate: number; warmupMs: number; durationMs: number }) });
    }
    const end = sampleProcess(server.pid);
    const brokerEnd = brokerCpuSeconds(broker);
    const wallS = (Date.now() - startedAt) / 1000;
    const closed = await loadgen.run<CloseResult>({ op: 'close' });
    queues = closed.queues;
    const m: Measurement = {
      scenario: s.id, side, round, workers, clients: s.clients,
      connect: { ms: connect.ms, errors: connect.errors },
      completed: load.completed, allCompleted: load.allCompleted, durationMs: load.durationMs, errors: load.errors,
      errorSamples: [...connect.errorSamples, ...load.errorSamples].slice(0, 10),
      latencies: load.latencies,
      server: {
        rssStartBytes: before.rss, rssEndBytes: end.rss,
        cpuSeconds: end.cpuSeconds - startCpu.cpuSeconds,
        cpuPercent: wallS > 0 ? ((end.cpuSeconds - startCpu.cpuSeconds) / wallS) * 100 : 0,
        processes: end.pids.length,
        syscr: end.syscr - startCpu.syscr, syscw: end.syscw - startCpu.syscw,
      },
      ...(kbPerConnection !== undefined ? { kbPerConnection } : {}),
      ...(broker.length > 0 ? { brokerCpuSeconds: brokerEnd - brokerStart } : {}),
    };
    const rps = m.durationMs > 0 ? (m.completed * 1000) / m.durationMs : 0;
    say(`${label} ${s.load.kind === 'idle' ? `${kbPerConnection?.toFixed(1)} KB/conn` : `${rps.toFixed(0)} rps`}, ${m.errors + m.connect.errors} errors, RSS ${(end.rss / 2 ** 20).toFixed(0)} MB, CPU ${m.server.cpuPercent.toFixed(0)}%`);
    for (const e of m.errorSamples) say(`    ${e}`);
    return m;
  } finally {
    await servers.release(side, workers, queueType);
    await deleteQueues(VHOST, queues).catch((err: unknown) => say(`  (could not delete ${queues.length} reply queues: ${String(err)})`));
  }
}

// ------------------------------------------------------------ main

async function main(): Promise<number> {
  mkdirSync(dirname(out), { recursive: true });
  await ensureVhost(VHOST);
  const clients = option('clients');
  const seconds = option('seconds');
  // bq makes 500 quorum queues: about 1,500 file handles on the broker. The shared node (open-file
  // limit 1024 on Debian) stops accepting connections past ~300, so bq runs on the test cluster only.
  const onCluster = process.env.BENCH_RABBITMQ_HOSTS !== undefined;
  if (only?.includes('bq') && !onCluster) {
    throw new Error('scenario bq (quorum reply queues) runs on a 3-node cluster of its own: node --import tsx bench/cluster-run.ts --only b,bq');
  }
  const list = scenarios(quick)
    .filter((s) => (!only || only.includes(s.id)) && (s.id !== 'bq' || onCluster))
    .map((s) => ({
      ...s,
      ...(clients ? { clients: Number(clients) } : {}),
      load: seconds && s.load.kind !== 'idle' ? { ...s.load, durationMs: Number(seconds) * 1000 } : s.load,
    }));
  const agent = await startTs('bench/agent.ts', ['--amqp', BROKER, '--vhost', VHOST], { ready: /^agent ready/ });
  const loadgen = await Loadgen.start();
  const servers = new Servers(quick);
  const measurements: Measurement[] = [];
  const started = Date.now();
  // Other processes on the machine skew every figure: the JSON says how busy it was.
  const loadBefore = loadavg();
  try {
    for (const s of list) {
      say(`scenario ${s.id}: ${s.title}`);
      for (let round = 1; round <= Math.min(rounds, s.maxRounds ?? rounds); round++) {
        // Alternate which side goes first so that warm-up of the broker favours neither.
        const order = (round % 2 === 1 ? ['relay', 'gateway'] : ['gateway', 'relay']).filter((x) => sides.includes(x) && (s.sides ?? ['relay', 'gateway']).includes(x as Side)) as Side[];
        for (const side of order) measurements.push(await measure(loadgen, servers, s, side, round));
      }
      writeReport(list.filter((x) => measurements.some((m) => m.scenario === x.id)).map((x) => x.id), measurements, started, loadBefore);
    }
  } finally {
    loadgen.stop();
    await servers.stopAll();
    await agent.stop();
  }
  const summaries = list.map((s) => summarize(s.id, measurements));
  say('');
  say(table(summaries));
  const errors = writeReport(list.map((s) => s.id), measurements, started, loadBefore);
  say(`\nJSON: ${out}`);
  return errors === 0 ? 0 : 1;
}

/** Written after every scenario too, so that a run stopped midway keeps what it measured. */
function writeReport(ids: ScenarioId[], measurements: Measurement[], started: number, loadBefore: number[]): number {
  const errors = measurements.reduce((n, m) => n + m.errors + m.connect.errors, 0);
  mkdirSync(dirname(out), { recursive: true });
  writeFileSync(out, JSON.stringify({
    date: new Date().toISOString(), quick, rounds, node: process.version, durationS: (Date.now() - started) / 1000,
    loadavgBefore: loadBefore, loadavgAfter: loadavg(),
    errors, summaries: ids.map((id) => summarize(id, measurements)),
    measurements: measurements.map(({ latencies, ...m }) => ({ ...m, samples: latencies.length })),
  }, null, 2));
  return errors;
}

main().then(
  (code) => process.exit(code),
  (err: unknown) => {
    console.error(`bench failed: ${(err as Error)?.stack ?? String(err)}`);
    process.exit(2);
  },
);
