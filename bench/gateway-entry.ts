import 'reflect-metadata';
import cluster from 'node:cluster';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { allocationSampler } from './lib/alloc-sampler.js';

// The gateway as built (dist/, what users run; `npm run bench` builds it) or
// its source through tsx (BENCH_GATEWAY_FROM=src, e.g. --source, --quick).
// dist/ by absolute path: the compiled entry runs from bench/results/build/ (lib/compile.ts).
const from = process.env.BENCH_GATEWAY_FROM === 'dist' ? pathToFileURL(join(process.cwd(), 'dist')).href : '../src';
const { loadConfig } = (await import(`${from}/main/config/index.js`)) as typeof import('../src/main/config/index.js');
const { createLogger } = (await import(`${from}/main/logger.js`)) as typeof import('../src/main/logger.js');
const { runClusterWorker, runSupervisor } = (await import(`${from}/main/cluster/index.js`)) as typeof import('../src/main/cluster/index.js');
const { startWorker } = (await import(`${from}/main/worker.js`)) as typeof import('../src/main/worker.js');

/**
 * The gateway as the bench runs it: its own process (or the cluster
 * supervisor with `--workers N`, or `--supervise` for a supervisor even with
 * one worker), on real RabbitMQ and Redis, logging warnings only, with the
 * per-socket rate limit lifted so that the bench measures the gateway and
 * not its flood protection.
 *
 *   node --import tsx bench/gateway-entry.ts --port 0 --vhost asgw-bench [--workers 2] [--supervise] [--heap-limit-mb 100] [--set key=value ...]
 * Prints `gateway listening <port>` (one process) or `gateway worker ready <pid>`
 * per worker (supervised, which needs a fixed --port).
 */

function arg(name: string, fallback: string): string {
  const i = process.argv.indexOf(`--${name}`);
  return i >= 0 && process.argv[i + 1] !== undefined ? process.argv[i + 1]! : fallback;
}

const workers = arg('workers', '1');
const supervised = workers !== '1' || process.argv.includes('--supervise');
/** `--set key=value`, repeatable: any other configuration key (trials). */
const sets = Object.fromEntries(
  process.argv.flatMap((a, i) => (a === '--set' && process.argv[i + 1]?.includes('=') ? [process.argv[i + 1]!.split(/=(.*)/s).slice(0, 2)] : [])),
) as Record<string, string>;
const { config } = loadConfig({
  env: {},
  argv: {
    'frontend.port': arg('port', '0'),
    'frontend.host': '127.0.0.1',
    'frontend.embedded': 'false',
    'frontend.session_secret': 'bench-only-secret-7f3a9c1e5b2d8f4a6c0e1b3d5f7a9c2e',
    'frontend.shutdownCode': 'bench-only-shutdown-code',
    // The bench reads no metrics; off, so runs never fight over the metrics port.
    'frontend.metrics.port': '0',
    'frontend.logLevel': arg('log-level', 'warn'),
    'frontend.rateLimit.burst': '1000000',
    'frontend.rateLimit.perSecond': '1000000',
    // Every load-generator client comes from 127.0.0.1: the per-address limits would refuse most of them.
    'frontend.connections.perAddress': '0',
    'frontend.connections.perAddressPerSecond': '0',
    'cluster.workerCount': workers,
    // The default limits (heapUsed 100 MB, from the original gateway) replace a
    // worker that holds a few thousand clients: scenario (e) would measure restarts.
    'cluster.memoryLimit.heapUsed': arg('heap-limit-mb', '0'),
    'cluster.memoryWarning.heapTotal': '0',
    'gateway.rabbitmq.host': '127.0.0.1',
    // bench/cluster-run.ts: the 3-node test cluster instead of the shared node.
    ...(process.env.BENCH_RABBITMQ_HOSTS ? { 'gateway.rabbitmq.hosts': process.env.BENCH_RABBITMQ_HOSTS } : {}),
    'gateway.rabbitmq.vhost': arg('vhost', '/'),
    'gateway.redis.host': '127.0.0.1',
    'gateway.redis.keyPrefix': 'asgw-bench:',
    ...sets,
  },
});
const logger = createLogger(config);

const writeAllocProfile = await allocationSampler();

if (!supervised) {
  const running = await startWorker(config, { logger });
  console.log(`gateway listening ${running.port}`);
  const stop = (): void => void writeAllocProfile().then(() => running.close()).finally(() => process.exit(0));
  process.on('SIGTERM', stop);
  process.on('SIGINT', stop);
} else if (cluster.isPrimary) {
  const supervisor = await runSupervisor(config, logger);
  void supervisor.done.then(() => process.exit(0));
} else {
  await runClusterWorker(config, logger);
  console.log(`gateway worker ready ${process.pid}`);
}
