import { appendFileSync, readFileSync, writeFileSync } from 'node:fs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { requireRabbitMq, requireRedis } from '../../support/services.js';
import { TestSocket } from '../../support/test-socket.js';
import { replies, runConsole, ServerProcess, writeConfig, type LogRecord } from './ops-process.js';

/**
 * Restarts of a supervisor with `frontend.port=0`: a client leaving an old
 * worker must always find a listener on the same port. Order is read from
 * the log records' `time` (taken when the line is logged, and each step
 * causes the next over IPC), never from how long anything took.
 */
describe('restarts hand over to listening replacements (real Redis + RabbitMQ, frontend.port=0)', () => {
  let server: ServerProcess;
  let file: string;
  let url: string;
  let port: number;
  const time = (r: LogRecord): number => Number(r.time);
  const listeningSince = (from: number): LogRecord[] => server.logs.slice(from).filter((r) => r.msg === 'gateway listening');
  const servingPids = async (config = file): Promise<number[]> =>
    replies(await runConsole(config, 'clientcount\n'), 'clientcount').filter((r) => r.ok).map((r) => r.pid).sort();
  const exitOf = (pid: number, from: number): Promise<LogRecord> =>
    server.waitForLog((r) => r.msg === 'worker exited' && r.workerPid === pid, `old worker ${pid} exiting`, 90_000, from);

  beforeAll(async () => {
    await requireRedis();
    await requireRabbitMq();
    ({ file } = writeConfig({ 'frontend.port': 0 }));
    server = new ServerProcess([file]);
    port = await server.listening(2);
    url = `http://127.0.0.1:${port}`;
  }, 90_000);

  afterAll(async () => {
    await server?.stop();
  }, 60_000);

  it('graceful: every replacement listens on the same port before an old worker drains', async () => {
    const old = await servingPids();
    expect(old).toHaveLength(2);
    const client = await TestSocket.open(url);
    const from = server.logs.length;
    const out = await runConsole(file, 'restart graceful 500\n');
    expect(replies(out, 'restart').filter((r) => r.ok), out).toHaveLength(2);
    const exits = await Promise.all(old.map((pid) => exitOf(pid, from)));

    const fresh = listeningSince(from).filter((r) => !old.includes(r.pid));
    expect(fresh).toHaveLength(2);
    expect(fresh.map((r) => Number(r.port))).toEqual([port, port]);
    const drains = server.logs.slice(from).filter((r) => r.msg === 'draining: waiting for clients to leave' && old.includes(r.pid));
    expect(drains).toHaveLength(2);
    const lastListen = Math.max(...fresh.map(time));
    for (const d of drains) expect(time(d)).toBeGreaterThanOrEqual(lastListen);
    expect(exits).toHaveLength(2);

    // The old workers are gone: the port still takes clients.
    client.close();
    const after = await TestSocket.open(url);
    await after.start();
    after.close();
    expect(await servingPids()).toEqual(fresh.map((r) => r.pid).sort());
  }, 180_000);

  it('immediate: each old worker stops only once one more replacement listens', async () => {
    const old = await servingPids();
    const from = server.logs.length;
    const out = await runConsole(file, 'restart immediate 0\n');
    expect(replies(out, 'restart').filter((r) => r.ok), out).toHaveLength(2);
    const exits = (await Promise.all(old.map((pid) => exitOf(pid, from)))).sort((a, b) => time(a) - time(b));

    const fresh = listeningSince(from).filter((r) => !old.includes(r.pid));
    expect(fresh.map((r) => Number(r.port))).toEqual([port, port]);
    exits.forEach((exit, i) => {
      const listenedBefore = fresh.filter((r) => time(r) <= time(exit)).length;
      expect(listenedBefore, `replacements listening before old worker ${exit.pid} exited`).toBeGreaterThanOrEqual(i + 1);
    });
    const after = await TestSocket.open(url);
    await after.start();
    after.close();
  }, 180_000);

  it('a replacement that cannot start leaves the old worker of its slot serving', async () => {
    const old = await servingPids();
    const original = readFileSync(file, 'utf8');
    // The console needs a file it can load; the workers read theirs again.
    const consoleFile = `${file}.console`;
    writeFileSync(consoleFile, original);
    // Workers forked by a restart read the file again: this one stops them at start-up.
    appendFileSync(file, '\ncluster.heartbeatInterval=not-a-number\n');
    try {
      const from = server.logs.length;
      const out = await runConsole(consoleFile, 'restart graceful 500\n');
      expect(replies(out, 'restart').filter((r) => r.ok), out).toHaveLength(2);
      const failed = (): number => server.logs.slice(from).filter((r) => r.msg.startsWith('replacement worker did not listen')).length;
      await server.waitForLog(() => failed() >= 2, 'both failed replacements reported', 90_000, from);
      expect(await servingPids(consoleFile)).toEqual(old);
      expect(server.logs.slice(from).filter((r) => r.msg === 'restarting worker')).toEqual([]);
      const still = await TestSocket.open(url);
      await still.start();
      still.close();
    } finally {
      writeFileSync(file, original);
    }
  }, 180_000);
});
