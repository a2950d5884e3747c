import { execFile, execFileSync } from 'node:child_process';
import { promisify } from 'node:util';
import { Redis } from 'ioredis';
import { REDIS_HOST, REDIS_PORT } from '../../support/services.js';

const run = promisify(execFile);

/** Exactly how .ci/run starts Redis (other engineers' tests share this Redis). */
const REDIS_START = ['redis-server', ['--daemonize', 'yes', '--bind', '127.0.0.1', '-::1', '--port', '6379', '--save', '', '--appendonly', 'no',
  '--dir', '/var/lib/redis', '--logfile', '/var/log/redis/ci.log']] as const;

function startRedisSync(): void {
  execFileSync('mkdir', ['-p', '/var/lib/redis', '/var/log/redis']);
  execFileSync(REDIS_START[0], [...REDIS_START[1]]);
}

async function redisAnswers(): Promise<boolean> {
  const client = new Redis({ host: REDIS_HOST, port: REDIS_PORT, lazyConnect: true, maxRetriesPerRequest: 0, retryStrategy: () => null, connectTimeout: 1000 });
  client.on('error', () => undefined);
  try {
    await client.connect();
    return (await client.ping()) === 'PONG';
  } catch {
    return false;
  } finally {
    client.disconnect();
  }
}

/**
 * `redis-cli shutdown nosave`, `downMs` of outage, then Redis is started
 * again with the .ci/run command, whatever happens in between (also if this
 * process exits). Resolves once Redis answers again.
 */
export async function bounceRedis(downMs: number): Promise<void> {
  const guard = (): void => {
    try {
      startRedisSync();
    } catch {
      // Nothing more can be done while exiting.
    }
  };
  process.once('exit', guard);
  try {
    await run('redis-cli', ['-h', REDIS_HOST, '-p', String(REDIS_PORT), 'shutdown', 'nosave']).catch(() => undefined);
    await new Promise((r) => setTimeout(r, downMs));
  } finally {
    try {
      startRedisSync();
    } catch (err) {
      // Maybe already started by someone else (CI script): only an unanswering Redis is a failure.
      if (!(await redisAnswers())) throw new Error(`could not restart Redis: ${String(err)}`, { cause: err });
    }
    process.off('exit', guard);
  }
  for (let i = 0; i < 100 && !(await redisAnswers()); i++) await new Promise((r) => setTimeout(r, 100));
  if (!(await redisAnswers())) throw new Error('Redis does not answer after the restart');
}

/** Server-side close of every connection of one vhost (the gateway's and the agent's), as a broker failover does. */
export async function closeVhostConnections(vhost: string): Promise<void> {
  await run('rabbitmqctl', ['close_all_connections', '--vhost', vhost, 'fault test: broker cut']);
}
