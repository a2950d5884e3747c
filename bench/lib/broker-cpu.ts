import { execFileSync } from 'node:child_process';
import { sampleProcess } from './proc-stats.js';

/**
 * CPU time of the RabbitMQ broker the bench runs on: the beam.smp
 * process(es) of its node(s). BENCH_BROKER_PIDS (comma-separated, set by
 * bench/cluster-run.ts) names them; otherwise the process listening on the
 * broker URL's port is found with `ss`. The broker serves everyone on the
 * machine, so its figure includes whatever else used it meanwhile.
 */
export function brokerPids(brokerUrl: string): number[] {
  const listed = process.env.BENCH_BROKER_PIDS;
  if (listed) return listed.split(',').map(Number).filter((n) => Number.isInteger(n) && n > 0);
  const port = new URL(brokerUrl).port || '5672';
  try {
    const out = execFileSync('ss', ['-ltnpH', `sport = :${port}`], { encoding: 'utf8' });
    const pid = /pid=(\d+)/.exec(out)?.[1];
    return pid ? [Number(pid)] : [];
  } catch {
    return [];
  }
}

/** User + system CPU seconds of those processes so far. */
export function brokerCpuSeconds(pids: readonly number[]): number {
  return pids.reduce((n, pid) => n + sampleProcess(pid).cpuSeconds, 0);
}
