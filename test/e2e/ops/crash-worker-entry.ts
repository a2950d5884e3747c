/**
 * The CLI (src/main/bin.ts) with one test hook for cluster workers:
 * - ASGW_TEST_CRASH_WORKER=1: every worker exits at once, before its first
 *   heartbeat, as a worker whose code cannot even load would;
 * - ASGW_TEST_CRASH_WORKER=after-heartbeat: every worker exits right after
 *   its first heartbeat (sent before it connects to anything), as one that
 *   fails during start-up would (an unreadable file, a broken setting).
 * node:cluster forks workers from this same file, so the primary is the
 * real supervisor.
 */
import cluster from 'node:cluster';

const mode = cluster.isWorker ? process.env.ASGW_TEST_CRASH_WORKER : undefined;
if (mode === '1') {
  process.exit(3);
} else {
  if (mode === 'after-heartbeat') {
    const send = process.send!.bind(process) as (msg: unknown, cb: (err: Error | null) => void) => boolean;
    process.send = ((msg: { type?: string }) =>
      send(msg, () => {
        if (msg?.type === 'asgw:heartbeat') process.exit(3);
      })) as typeof process.send;
  }
  const { cli } = await import('../../../src/main/cli.js');
  await cli();
}
