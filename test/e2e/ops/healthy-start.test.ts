import { afterEach, beforeAll, describe, expect, it } from 'vitest';
import { requireRabbitMq, requireRedis } from '../../support/services.js';
import { replies, runConsole, ServerProcess, writeConfig, type LogRecord } from './ops-process.js';

/**
 * A healthy start logs no error: with RabbitMQ and Redis up, neither a
 * single process, nor a cluster, nor embedded mode writes a record at
 * level error (50) or above, from start until /health answered and a control
 * command was answered by every worker (so the control channel is subscribed).
 * (Issue 11 found "control channel unavailable … enableOfflineQueue" on
 * every single-process start.)
 */
const running: ServerProcess[] = [];

beforeAll(async () => {
  await requireRedis();
  await requireRabbitMq();
});

afterEach(async () => {
  await Promise.all(running.splice(0).map((p) => p.stop()));
}, 40_000);

const errors = (logs: LogRecord[]): LogRecord[] => logs.filter((r) => r.level >= 50);

async function healthyStart(extra: Record<string, unknown>, workers: number): Promise<ServerProcess> {
  const { file } = writeConfig(extra);
  const server = new ServerProcess([file]);
  running.push(server);
  const port = await server.listening(workers);
  const health = await fetch(`http://127.0.0.1:${port}/health`);
  expect(health.status).toBe(200);
  if (extra['frontend.embedded'] !== true) {
    const answered = replies(await runConsole(file, 'clientcount\n'), 'clientcount');
    expect(answered.filter((r) => r.ok)).toHaveLength(workers);
  }
  return server;
}

describe('no error-level log on a healthy start', () => {
  it('one process (cluster.workerCount=1) with RabbitMQ and Redis up', async () => {
    const server = await healthyStart({ 'cluster.workerCount': 1 }, 1);
    expect(errors(server.logs), server.output()).toEqual([]);
    expect(server.output()).not.toMatch(/enableOfflineQueue|control channel unavailable/);
  }, 60_000);

  it('a cluster of 2 workers with RabbitMQ and Redis up', async () => {
    const server = await healthyStart({ 'cluster.workerCount': 2 }, 2);
    expect(errors(server.logs), server.output()).toEqual([]);
    expect(server.output()).not.toMatch(/enableOfflineQueue|control channel unavailable/);
  }, 60_000);

  it('embedded mode (what npm start runs)', async () => {
    const server = await healthyStart({ 'frontend.embedded': true }, 1);
    expect(errors(server.logs), server.output()).toEqual([]);
  }, 60_000);
});
