import { createServer, type Server } from 'node:net';
import type { AddressInfo } from 'node:net';
import { fileURLToPath } from 'node:url';
import { afterEach, beforeAll, describe, expect, it } from 'vitest';
import { requireRabbitMq, requireRedis } from '../../support/services.js';
import { ServerProcess, writeConfig } from './ops-process.js';

/**
 * The cluster primary owns the listening socket (it routes each connection
 * to a worker): it binds before any worker starts, and answers what no
 * worker can answer yet.
 */
const ENTRY = fileURLToPath(new URL('./crash-worker-entry.ts', import.meta.url));
const running: ServerProcess[] = [];
let occupied: Server | undefined;

beforeAll(async () => {
  await requireRedis();
  await requireRabbitMq();
});

afterEach(async () => {
  await Promise.all(running.splice(0).map((p) => p.stop()));
  await new Promise<void>((resolve) => (occupied ? occupied.close(() => resolve()) : resolve()));
  occupied = undefined;
}, 40_000);

describe('the cluster primary listens', () => {
  it('a port in use stops the instance at once, naming frontend.port, before any worker is forked', async () => {
    occupied = createServer();
    await new Promise<void>((resolve) => occupied!.listen(0, '127.0.0.1', resolve));
    const port = (occupied.address() as AddressInfo).port;
    const { file } = writeConfig({ 'frontend.port': port });
    const server = new ServerProcess([file]);
    running.push(server);
    expect(await server.exited).toBe(2);
    expect(server.output()).toMatch(new RegExp(`frontend\\.port.*127\\.0\\.0\\.1:${port}.*EADDRINUSE`));
    expect(server.logs.some((r) => r.msg === 'worker forked')).toBe(false);
  }, 30_000);

  it('answers 503 while no worker can take a connection (here: every worker dies at start)', async () => {
    const { file } = writeConfig({ 'cluster.workerRestartDelay': 20, 'cluster.maxRestartBackoff': 3 });
    const server = new ServerProcess([file], { entry: ENTRY, env: { ASGW_TEST_CRASH_WORKER: '1' } });
    running.push(server);
    const listening = await server.waitForLog((r) => r.msg.startsWith('supervisor listening'), 'the primary listening');
    const res = await fetch(`http://127.0.0.1:${Number(listening.port)}/health`);
    expect(res.status).toBe(503);
    expect(server.child.exitCode).toBeNull();
  }, 30_000);
});
