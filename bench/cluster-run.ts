import { spawn } from 'node:child_process';
import { RabbitMqCluster } from '../test/support/rabbitmq-cluster.js';
import { ROOT } from './lib/children.js';

/**
 * `npm run bench` on a 3-node RabbitMQ cluster of its own (the test
 * cluster: rabbit-asgw1..3@localhost on AMQP 5681-5683; the shared node is
 * not used), so that quorum reply queues have their 3 replicas. Arguments
 * go to bench/run.ts; the broker CPU figure is the sum over the 3 nodes.
 *
 *   node --import tsx bench/cluster-run.ts --only b,bq
 */
const VHOST = process.env.BENCH_VHOST ?? 'asgw-bench';

const cluster = await RabbitMqCluster.start({ label: 'bench' });
let code = 1;
try {
  await cluster.addVhost(VHOST);
  const env = {
    ...process.env,
    BENCH_RABBITMQ_URL: cluster.urls[0]!,
    BENCH_RABBITMQ_HOSTS: cluster.hosts.join(','),
    BENCH_BROKER_PIDS: cluster.nodes.map((n) => n.pid()).join(','),
  };
  console.log(`cluster ${cluster.nodes.map((n) => n.nodeName).join(', ')} up; gateway and agent on ${cluster.hosts[0]}`);
  code = await new Promise<number>((resolve) => {
    const child = spawn(process.execPath, ['--import', 'tsx', 'bench/run.ts', ...process.argv.slice(2)], { cwd: ROOT, env, stdio: 'inherit' });
    child.once('exit', (c) => resolve(c ?? 1));
  });
} finally {
  await cluster.destroy();
}
process.exit(code);
