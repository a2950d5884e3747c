import { BROKER } from './broker.js';
import type { Started } from './children.js';
import type { LoadgenPool } from './loadgen-pool.js';
import { listenerPid, loadAverage, machineBusySeconds, processTable, sampleProcess, type ProcSample } from './proc-stats.js';

/**
 * The broker's processes, for their CPU time: BENCH_BROKER_PIDS (the 3 nodes
 * of bench/cluster-run.ts's cluster), else beam.smp on the AMQP port; empty if not visible.
 */
export const brokerPids: readonly number[] = process.env.BENCH_BROKER_PIDS
  ? process.env.BENCH_BROKER_PIDS.split(',').map(Number).filter((n) => Number.isInteger(n) && n > 0)
  : [listenerPid(Number(new URL(BROKER).port || 5672))].filter((p): p is number => p !== undefined);

/** For the report: the first broker process (there is one unless on the test cluster). */
export const brokerPid: number | undefined = brokerPids[0];

/** CPU counters of everything that matters to a measurement, at one moment. */
export interface Snapshot {
  server: ProcSample;
  broker?: ProcSample;
  /** CPU seconds of the bench's own processes (load generators, agent, orchestrator). */
  ours: number;
  /** CPU seconds of the whole machine. */
  machine: number;
  at: number;
  loadavg: number;
}

/** The bench's own processes besides the server. */
export interface BenchProcesses {
  readonly loadgen: LoadgenPool;
  readonly agent: Started;
}

export function snapshot(bench: BenchProcesses, serverPid: number): Snapshot {
  const table = processTable();
  const server = sampleProcess(serverPid, table);
  const broker = brokerPids.length > 0 ? sumSamples(brokerPids.map((pid) => sampleProcess(pid, table))) : undefined;
  const ours = [...bench.loadgen.pids, bench.agent.pid, process.pid].reduce((n, pid) => n + sampleProcess(pid, table).cpuSeconds, 0);
  return { server, ...(broker ? { broker } : {}), ours, machine: machineBusySeconds(), at: performance.now(), loadavg: loadAverage() };
}

/** Between two snapshots: the server's and broker's CPU seconds, and the cores other processes kept busy. */
export function between(start: Snapshot, end: Snapshot): { wallSeconds: number; serverCpu: number; brokerCpu?: number; otherCores: number } {
  const wallSeconds = (end.at - start.at) / 1000;
  const serverCpu = end.server.cpuSeconds - start.server.cpuSeconds;
  const brokerCpu = start.broker && end.broker ? end.broker.cpuSeconds - start.broker.cpuSeconds : undefined;
  const others = end.machine - start.machine - serverCpu - (brokerCpu ?? 0) - (end.ours - start.ours);
  return { wallSeconds, serverCpu, ...(brokerCpu !== undefined ? { brokerCpu } : {}), otherCores: wallSeconds > 0 ? Math.max(0, others) / wallSeconds : 0 };
}

/** Several processes as one (the broker's nodes): CPU seconds add up. */
function sumSamples(samples: ProcSample[]): ProcSample {
  return samples.slice(1).reduce((sum, s) => ({ ...sum, cpuSeconds: sum.cpuSeconds + s.cpuSeconds }), samples[0]!);
}
