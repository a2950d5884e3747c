import 'reflect-metadata';
import cluster from 'node:cluster';
import { loadConfig } from '../src/main/config/index.js';
import { createLogger } from '../src/main/logger.js';
import { runClusterWorker, runSupervisor } from '../src/main/cluster/index.js';
import { startWorker } from '../src/main/worker.js';

/**
 * The gateway as the bench runs it: its own process (or a supervisor with
 * `--workers N`), on real RabbitMQ and Redis, logging warnings only, with the
 * per-socket rate limit lifted so that the bench measures the gateway and
 * not its flood protection.
 *
 *   node --import tsx bench/gateway-entry.ts --port 0 --vhost asgw-bench [--workers 2] [--heap-limit-mb 100]
 * Prints `gateway listening <port>` (one worker) or `gateway worker ready <pid>`
 * per worker (--workers > 1, which needs a fixed --port).
 */

function arg(name: string, fallback: string): string {
  const i = process.argv.indexOf(`--${name}`);
  return i >= 0 && process.argv[i + 1] !== undefined ? process.argv[i + 1]! : fallback;
}

const workers = arg('workers', '1');
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
    'gateway.rabbitmq.vhost': arg('vhost', '/'),
    'gateway.redis.host': '127.0.0.1',
    'gateway.redis.keyPrefix': 'asgw-bench:',
  },
});
const logger = createLogger(config);

if (workers === '1') {
  const running = await startWorker(config, { logger });
  console.log(`gateway listening ${running.port}`);
  const stop = (): void => void running.close().finally(() => process.exit(0));
  process.on('SIGTERM', stop);
  process.on('SIGINT', stop);
} else if (cluster.isPrimary) {
  const supervisor = await runSupervisor(config, logger);
  void supervisor.done.then(() => process.exit(0));
} else {
  await runClusterWorker(config, logger);
  console.log(`gateway worker ready ${process.pid}`);
}
