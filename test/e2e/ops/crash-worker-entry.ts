/**
 * The CLI (src/main/bin.ts) with one test hook: with ASGW_TEST_CRASH_WORKER=1
 * every cluster worker exits at once, before its first heartbeat, as a
 * worker whose code cannot even load would. node:cluster forks workers from
 * this same file, so the primary is the real supervisor.
 */
import cluster from 'node:cluster';

if (cluster.isWorker && process.env.ASGW_TEST_CRASH_WORKER === '1') {
  process.exit(3);
} else {
  const { cli } = await import('../../../src/main/cli.js');
  await cli();
}
