import { spawn, type ChildProcess } from 'node:child_process';
import { mkdirSync, writeFileSync } from 'node:fs';
import { loadavg } from 'node:os';
import { dirname, join } from 'node:path';
import { BROKER, deleteQueues, ensureVhost } from './lib/broker.js';
import { startTs } from './lib/children.js';
import { compileServers } from './lib/compile.js';
import { LoadgenPool } from './lib/loadgen-pool.js';
import type { ConnectResult, LoadResult } from './lib/loadgen-protocol.js';
import { processTree, sampleProcess } from './lib/proc-stats.js';
import { between, brokerPid, snapshot, type BenchProcesses, type Snapshot } from './lib/snapshot.js';
import { summarize, table, type Measurement } from './lib/report.js';
import { runScaling } from './lib/scaling.js';
import { scenarios, SIDES, type Scenario, type ScenarioId, type Side } from './lib/scenarios.js';
import { RESULTS_DIR, Servers } from './lib/servers.js';

/**
 * `npm run bench`: the gateway (over Socket.IO and over its raw WebSocket
 * transport) against the bare relay, same broker, same agent, same load
 * generator, alternating sides round by round. See bench/README.md.
 *   --quick          a few seconds (tiny a-d), as `npm test` runs it (source through tsx, no build)
 *   --source         run the servers' source through tsx instead of the compiled build (see lib/compile.ts)
 *   --only a,b       run some scenarios (f, the cluster, runs only when named)
 *   --rounds N       alternate the sides N times per scenario (default 2, quick 1); figures are medians
 *   --sides relay,gateway   measure some sides only (relay, gateway, ws, sup1, sup2)
 *   --profile        run the servers under `node --cpu-prof` (bench/results/profiles/<side>/)
 *   --out FILE       JSON output (default bench/results/bench-<time>.json)
 *   --clients N      override the client count of the chosen scenarios (trial runs)
 *   --seconds S      override the measured duration of the chosen scenarios (trial runs)
 *   --set key=value  a gateway configuration key for every gateway started (trials; repeatable)
 *   --relay-coalesce the relay corks its AMQP socket for a turn as the gateway does (its own code's cost, apart from that)
 *   --node-arg ARG   a node option for every server started (e.g. --node-arg --trace-gc; repeatable)
 *   --perf           record the servers' on-CPU samples over the measured window with Linux perf
 *                    (bench/results/perf/<scenario>-<side>-<round>.data; servers run with --perf-basic-prof)
 *   --scaling        the scaling curve instead (see bench/lib/scaling.ts): --points 100,1000,5000,10000 --svg FILE
 */

const argv = process.argv.slice(2);
const flag = (name: string): boolean => argv.includes(`--${name}`);
const option = (name: string): string | undefined => {
  const i = argv.indexOf(`--${name}`);
  return i >= 0 ? argv[i + 1] : undefined;
};
const options = (name: string): string[] => argv.flatMap((a, i) => (a === `--${name}` && argv[i + 1] !== undefined ? [argv[i + 1]!] : []));

const quick = flag('quick');
const profile = flag('profile');
const only = option('only')?.split(',') as ScenarioId[] | undefined;
const rounds = Number(option('rounds') ?? (quick ? 1 : 2));
const out = option('out') ?? join(RESULTS_DIR, `bench-${new Date().toISOString().replace(/[:.]/g, '-')}.json`);
const sidesWanted = option('sides')?.split(',') as Side[] | undefined;
const VHOST = process.env.BENCH_VHOST ?? 'asgw-bench';
const tty = process.stdout.isTTY === true;
/** Servers' own output (warnings, errors), next to the JSON. */
const serverLog = out.replace(/\.json$/, '') + '.servers.log';
const gatewayArgs = options('set').flatMap((kv) => ['--set', kv]);
const perf = flag('perf');
const relayArgs = flag('relay-coalesce') ? ['--coalesce'] : [];
/** Compiled servers unless asked for the source, or --quick (a smoke test: no build). */
const compiled = !flag('source') && !quick;

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

const sleep = (ms: number): Promise<void> => new Promise((r) => setTimeout(r, ms));

/** What one measurement uses besides the server. */
interface Bench extends BenchProcesses {
  servers: Servers;
}

// ------------------------------------------------------------ one measurement

async function measure(bench: Bench, s: Scenario, side: Side, round: number): Promise<Measurement> {
  const label = `[${s.id} ${SIDES[side].label} round ${round}]`;
  const { server, url } = await bench.servers.get(side);
  let queues: string[] = [];
  try {
    bench.loadgen.onProgress = (e) =>
      progress(`${label} ${e.phase}: ${e.done}${e.total ? `/${e.total}` : ''} done, ${e.errors} errors`);
    await sleep(500);
    const before = sampleProcess(server.pid);
    const connect: ConnectResult = await bench.loadgen.connect(url, SIDES[side].transport, s.clients, s.login, s.concurrency);
    progress(`${label} ${connect.connected} clients in ${(connect.ms / 1000).toFixed(2)} s`);
    let load: LoadResult = { completed: 0, allCompleted: 0, windowCompleted: 0, errors: 0, durationMs: 0, latencies: [], errorSamples: [] };
    let kbPerConnection: number | undefined;
    let start: Snapshot;
    let end: Snapshot;
    if (s.load.kind === 'idle') {
      start = snapshot(bench, server.pid);
      await sleep(quick ? 500 : 2000);
      end = snapshot(bench, server.pid);
      kbPerConnection = connect.connected > 0 ? (end.server.rss - before.rss) / 1024 / connect.connected : 0;
    } else {
      // The window's edges come from the load generator, which counts the completions inside it.
      let opened: Snapshot | undefined;
      let closed: Snapshot | undefined;
      // Monotonic µs, the clock of --cpu-prof profiles: profile-summary.ts keeps the window's samples only.
      const windowUs: number[] = [];
      let recorder: ChildProcess | undefined;
      bench.loadgen.onWindow = (edge) => {
        windowUs.push(Number(process.hrtime.bigint() / 1000n));
        if (edge === 'start') opened = snapshot(bench, server.pid);
        else closed = snapshot(bench, server.pid);
        if (perf && edge === 'start') recorder = recordPerf(server.pid, `${s.id}-${side}-${round}`);
        if (edge === 'end') recorder?.kill('SIGINT');
      };
      load = await bench.loadgen.load(s.load);
      bench.loadgen.onWindow = () => undefined;
      if (!opened || !closed) throw new Error(`${label}: the load generator did not report its measured window`);
      start = opened;
      end = closed;
      if (profile) {
        writeFileSync(join(RESULTS_DIR, 'profiles', side, `window-${server.pid}.json`), JSON.stringify({ startUs: windowUs[0], endUs: windowUs[1], scenario: s.id, round }));
      }
    }
    const { wallSeconds, serverCpu, brokerCpu, otherCores } = between(start, end);
    const result = await bench.loadgen.close();
    queues = result.queues;
    const m: Measurement = {
      scenario: s.id, side, round, workers: SIDES[side].workers, clients: s.clients,
      connect: { ms: connect.ms, errors: connect.errors },
      completed: load.completed, allCompleted: load.allCompleted, windowCompleted: load.windowCompleted,
      durationMs: load.durationMs, errors: load.errors,
      errorSamples: [...connect.errorSamples, ...load.errorSamples].slice(0, 10),
      latencies: load.latencies,
      server: {
        rssStartBytes: before.rss, rssEndBytes: end.server.rss,
        cpuSeconds: serverCpu,
        cpuPercent: wallSeconds > 0 ? (serverCpu / wallSeconds) * 100 : 0,
        processes: end.server.pids.length,
        syscr: end.server.syscr - start.server.syscr, syscw: end.server.syscw - start.server.syscw,
      },
      ...(brokerCpu !== undefined ? { broker: { cpuSeconds: brokerCpu } } : {}),
      machine: { loadavg: start.loadavg, otherCores, wallSeconds },
      ...(kbPerConnection !== undefined ? { kbPerConnection } : {}),
    };
    const rps = m.durationMs > 0 ? (m.completed * 1000) / m.durationMs : 0;
    const cpuPerReq = m.windowCompleted > 0 ? (serverCpu * 1000) / m.windowCompleted : 0;
    say(
      `${label} ${s.load.kind === 'idle' ? `${kbPerConnection?.toFixed(1)} KB/conn` : `${rps.toFixed(0)} rps, CPU ${cpuPerReq.toFixed(3)} ms/req`}, ` +
        `${m.errors + m.connect.errors} errors, RSS ${(end.server.rss / 2 ** 20).toFixed(0)} MB, CPU ${m.server.cpuPercent.toFixed(0)}%, ` +
        `load ${m.machine.loadavg.toFixed(1)}, others ${m.machine.otherCores.toFixed(2)} cores`,
    );
    for (const e of m.errorSamples) say(`    ${e}`);
    return m;
  } finally {
    await bench.servers.release(side);
    await deleteQueues(VHOST, queues).catch((err: unknown) => say(`  (could not delete ${queues.length} reply queues: ${String(err)})`));
  }
}

/** Linux perf on the server's processes (on-CPU samples, with call graphs) until SIGINT. */
function recordPerf(serverPid: number, name: string): ChildProcess {
  const dir = join(RESULTS_DIR, 'perf');
  mkdirSync(dir, { recursive: true });
  const pids = processTree(serverPid).join(',');
  const child = spawn('perf', ['record', '-e', 'cpu-clock', '-F', '1999', '-g', '-p', pids, '-o', join(dir, `${name}.data`)], { stdio: 'ignore' });
  child.on('error', (err) => say(`  (perf record failed: ${err.message})`));
  return child;
}

/** Round 1 in the scenario's order, round 2 reversed, and so on: warm-up of the broker favours no side. */
function orderFor(s: Scenario, round: number): Side[] {
  const sides = s.sides.filter((x) => !sidesWanted || sidesWanted.includes(x));
  return round % 2 === 1 ? sides : [...sides].reverse();
}

// ------------------------------------------------------------ main

async function main(): Promise<number> {
  mkdirSync(dirname(out), { recursive: true });
  await ensureVhost(VHOST);
  if (flag('scaling')) {
    if (compiled) say('compiling the servers (npm run build; the bench entries with esbuild): the bench measures what production runs');
    const scalingBuild = compiled ? await compileServers() : undefined;
    return runScaling({
      ...(scalingBuild ? { compiled: scalingBuild } : {}),
      vhost: VHOST, out, serverLog, say, progress, gatewayArgs, relayArgs, nodeArgs: options('node-arg'),
      points: option('points')?.split(',').map(Number),
      seconds: option('seconds') !== undefined ? Number(option('seconds')) : undefined,
      svg: option('svg'),
      sides: sidesWanted,
    });
  }
  const clients = option('clients');
  const seconds = option('seconds');
  const list = scenarios(quick)
    .filter((s) => (only ? only.includes(s.id) : !s.onRequest))
    // Quorum queues need a cluster (and ~3 file handles each: 500 of them exhaust a single default node).
    .filter((s) => s.id !== 'bq' || process.env.BENCH_BROKER_PIDS !== undefined || (console.warn('bq runs on the test cluster only: node --import tsx bench/cluster-run.ts --only b,bq'), false))
    .map((s) => ({
      ...s,
      ...(clients ? { clients: Number(clients) } : {}),
      load: seconds && s.load.kind !== 'idle' ? { ...s.load, durationMs: Number(seconds) * 1000 } : s.load,
    }));
  if (compiled) say('compiling the servers (npm run build; the bench entries with esbuild): the bench measures what production runs');
  const build = compiled ? await compileServers() : undefined;
  const agent = await startTs('bench/agent.ts', ['--amqp', BROKER, '--vhost', VHOST], { ready: /^agent ready/ });
  const loadgen = await LoadgenPool.start(1);
  const servers = new Servers(quick, {
    ...(build ? { compiled: build } : {}),
    vhost: VHOST, logFile: serverLog, gatewayArgs, relayArgs, nodeArgs: [...options('node-arg'), ...(perf ? ['--perf-basic-prof'] : [])],
    ...(profile ? { profileDir: join(RESULTS_DIR, 'profiles') } : {}),
  });
  const bench: Bench = { loadgen, agent, servers };
  const measurements: Measurement[] = [];
  const started = Date.now();
  // Other processes on the machine skew every figure: the JSON says how busy it was.
  const loadBefore = loadavg();
  if (brokerPid === undefined) say('(the broker process is not visible: no broker CPU figures)');
  try {
    for (const s of list) {
      say(`scenario ${s.id}: ${s.title}`);
      for (let round = 1; round <= Math.min(rounds, s.maxRounds ?? rounds); round++) {
        for (const side of orderFor(s, round)) measurements.push(await measure(bench, s, side, round));
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
  if (relayArgs.length > 0) say('  (--relay-coalesce: the relay corked its AMQP writes as the gateway does; the targets are set against the bare relay, so read these ratios as the gateway\'s own cost)');
  const errors = writeReport(list.map((s) => s.id), measurements, started, loadBefore);
  say(`\nJSON: ${out}`);
  return errors === 0 ? 0 : 1;
}

/** Written after every scenario too, so that a run stopped midway keeps what it measured. */
function writeReport(ids: ScenarioId[], measurements: Measurement[], started: number, loadBefore: number[]): number {
  const errors = measurements.reduce((n, m) => n + m.errors + m.connect.errors, 0);
  mkdirSync(dirname(out), { recursive: true });
  writeFileSync(out, JSON.stringify({
    date: new Date().toISOString(), quick, compiled, rounds, node: process.version, durationS: (Date.now() - started) / 1000,
    args: argv, loadavgBefore: loadBefore, loadavgAfter: loadavg(), brokerPid,
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
