import { beforeAll, describe, expect, it } from 'vitest';
import { requireRabbitMq, requireRedis } from '../../support/services.js';
import { ServerProcess, writeConfig } from './ops-process.js';

beforeAll(async () => {
  await requireRedis();
  await requireRabbitMq();
});

describe('supervisor replaces misbehaving workers (real Redis + RabbitMQ)', () => {
  it('replaces a worker that stops heartbeating (watchdog)', async () => {
    // One heartbeat at start, then silence far beyond workerTimeout.
    const { file } = writeConfig({ 'cluster.heartbeatInterval': 600000, 'cluster.workerTimeout': 1500, 'cluster.watchdogInterval': 300 });
    const server = new ServerProcess([file]);
    try {
      const silent = await server.waitForLog((r) => r.msg === 'worker silent; killing it', 'a watchdog kill', 60_000);
      const from = server.logs.indexOf(silent);
      const forked = await server.waitForLog((r) => r.msg === 'worker forked', 'a replacement fork', 30_000, from);
      expect(forked.slot).toBeTypeOf('number');
    } finally {
      await server.stop();
    }
  }, 120_000);

  it('replaces a worker over its memory limit', async () => {
    const { file } = writeConfig({ 'cluster.memoryLimit.heapUsed': 1 });
    const server = new ServerProcess([file]);
    try {
      const over = await server.waitForLog((r) => r.msg === 'worker over its memory limit; replacing it', 'a memory replacement', 60_000);
      expect(String((over.reasons as string[])[0])).toContain('heapUsed');
      const from = server.logs.indexOf(over);
      await server.waitForLog((r) => r.msg === 'worker forked', 'a replacement fork', 30_000, from);
    } finally {
      await server.stop();
    }
  }, 120_000);
});
