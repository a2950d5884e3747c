import { execFile } from 'node:child_process';
import { promisify } from 'node:util';
import amqp from 'amqplib';

const execFileAsync = promisify(execFile);

export const BROKER = process.env.BENCH_RABBITMQ_URL ?? 'amqp://guest:guest@127.0.0.1:5672';

export const vhostUrl = (vhost: string): string => `${BROKER.replace(/\/+$/, '')}/${encodeURIComponent(vhost)}`;

/**
 * The bench runs in its own vhost so that agents of tests running at the
 * same time on the same broker do not take its requests. rabbitmqctl takes
 * seconds, so it is only called when the vhost does not exist yet.
 */
export async function ensureVhost(vhost: string): Promise<void> {
  try {
    const conn = await amqp.connect(vhostUrl(vhost), { noDelay: true, timeout: 3000 });
    await conn.close();
    return;
  } catch {
    // Missing (or the broker is down: rabbitmqctl will say so).
  }
  try {
    await execFileAsync('rabbitmqctl', ['add_vhost', vhost]).catch(() => undefined);
    await execFileAsync('rabbitmqctl', ['set_permissions', '-p', vhost, 'guest', '.*', '.*', '.*']);
  } catch (err) {
    throw new Error(`cannot create RabbitMQ vhost "${vhost}" — is RabbitMQ running (\`rabbitmq-server -detached\`)? ${String(err)}`, { cause: err });
  }
}

/** Deletes the reply queues the gateway left (the backend would, on DisconnectRequest). */
export async function deleteQueues(vhost: string, queues: string[]): Promise<void> {
  if (queues.length === 0) return;
  const conn = await amqp.connect(vhostUrl(vhost), { noDelay: true });
  try {
    const ch = await conn.createChannel();
    for (let i = 0; i < queues.length; i += 200) {
      await Promise.all(queues.slice(i, i + 200).map((q) => ch.deleteQueue(q)));
    }
  } finally {
    await conn.close().catch(() => undefined);
  }
}
