import { execFile } from 'node:child_process';
import { promisify } from 'node:util';
import amqp from 'amqplib';
import { Redis } from 'ioredis';

export const RABBITMQ_URL = process.env.TEST_RABBITMQ_URL ?? 'amqp://guest:guest@127.0.0.1:5672';
export const REDIS_HOST = process.env.TEST_REDIS_HOST ?? '127.0.0.1';
export const REDIS_PORT = Number(process.env.TEST_REDIS_PORT ?? 6379);

const execFileAsync = promisify(execFile);

/**
 * Fails (never skips) when RabbitMQ does not answer, saying what to start:
 * a test that silently skips proves nothing.
 */
export async function requireRabbitMq(url: string = RABBITMQ_URL): Promise<void> {
  const where = new URL(url).host;
  try {
    const connection = await amqp.connect(url, { noDelay: true, timeout: 3_000 });
    await connection.close();
  } catch (err) {
    throw new Error(
      `RabbitMQ is not reachable on ${where} — start it with \`rabbitmq-server -detached\` (guest/guest): ${String(err)}`,
      { cause: err },
    );
  }
}

/** Fails when Redis does not answer PING, saying what to start. */
export async function requireRedis(host: string = REDIS_HOST, port: number = REDIS_PORT): Promise<void> {
  const client = new Redis({
    host,
    port,
    lazyConnect: true,
    maxRetriesPerRequest: 0,
    retryStrategy: () => null,
    connectTimeout: 3_000,
  });
  client.on('error', () => undefined);
  try {
    await client.connect();
    await client.ping();
  } catch (err) {
    throw new Error(
      `Redis is not reachable on ${host}:${port} — start it with \`redis-server --daemonize yes\`: ${String(err)}`,
      { cause: err },
    );
  } finally {
    client.disconnect();
  }
}

/**
 * Server-side close of every connection carrying this connection_name, as
 * an operator or a broker failover would do; other connections are left alone.
 * Returns how many were closed.
 */
export async function closeRabbitConnections(connectionName: string, reason = 'test'): Promise<number> {
  const { stdout } = await execFileAsync('rabbitmqctl', ['list_connections', 'pid', 'client_properties', '-q']);
  const marker = `{"connection_name","${connectionName}"}`;
  const pids = stdout
    .split('\n')
    .filter((line) => line.includes(marker))
    .map((line) => line.split('\t')[0] ?? '')
    .filter((pid) => pid.startsWith('<'));
  for (const pid of pids) await execFileAsync('rabbitmqctl', ['close_connection', pid, reason]);
  return pids.length;
}
