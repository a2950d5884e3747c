import { createServer } from 'node:net';
import { describe, expect, it } from 'vitest';
import { requireRabbitMq, requireRedis } from '../../support/services.js';

async function deadPort(): Promise<number> {
  const server = createServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as { port: number };
  await new Promise((resolve) => server.close(resolve));
  return port;
}

describe('service checks of real-service tests', () => {
  it('fail with what to start when RabbitMQ does not answer', async () => {
    const port = await deadPort();
    await expect(requireRabbitMq(`amqp://guest:guest@127.0.0.1:${port}`)).rejects.toThrow(
      new RegExp(`RabbitMQ is not reachable on 127.0.0.1:${port} — start it with \`rabbitmq-server -detached\``),
    );
  });

  it('fail with what to start when Redis does not answer', async () => {
    const port = await deadPort();
    await expect(requireRedis('127.0.0.1', port)).rejects.toThrow(
      new RegExp(`Redis is not reachable on 127.0.0.1:${port} — start it with \`redis-server --daemonize yes\``),
    );
  });
});
