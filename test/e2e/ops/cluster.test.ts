import { Redis } from 'ioredis';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { freePort } from '../../support/free-port.js';
import { REDIS_HOST, REDIS_PORT, requireRabbitMq, requireRedis } from '../../support/services.js';
import { TestSocket } from '../../support/test-socket.js';
import { replies, runConsole, ServerProcess, writeConfig, type LogRecord } from './ops-process.js';

/**
 * A supervisor with 2 workers over real RabbitMQ and Redis, driven like an
 * operator would: the console over the Redis control channel, signals, HTTP.
 * The tests run in order on one supervisor.
 */
describe('cluster supervisor with 2 workers (real Redis + RabbitMQ)', () => {
  let server: ServerProcess;
  let file: string;
  let channel: string;
  let url: string;
  let metricsUrl: string;
  const sockets: TestSocket[] = [];
  const workerPids = (): number[] => [...new Set(server.logs.filter((r) => r.msg === 'gateway listening').map((r) => r.pid))];
  const alive = (pid: number): boolean => { try { process.kill(pid, 0); return true; } catch { return false; } };

  beforeAll(async () => {
    await requireRedis();
    await requireRabbitMq();
    const metricsPort = await freePort();
    metricsUrl = `http://127.0.0.1:${metricsPort}/metrics`;
    ({ file, channel } = writeConfig({ 'frontend.metrics.port': metricsPort }));
    server = new ServerProcess([file]);
    url = `http://127.0.0.1:${await server.listening(2)}`;
  }, 60_000);

  afterAll(async () => {
    for (const s of sockets) s.close();
    await server?.stop();
  }, 40_000);

  it('clientcount reports every worker and the counts add up to the connected clients', async () => {
    for (let i = 0; i < 4; i++) sockets.push(await TestSocket.open(url));
    const out = await runConsole(file, 'clientcount\n');
    const counts = replies(out, 'clientcount');
    expect(counts.map((r) => r.pid).sort(), out).toEqual(workerPids().sort());
    expect(counts.every((r) => r.ok)).toBe(true);
    expect(counts.reduce((sum, r) => sum + (r.clients ?? 0), 0)).toBe(4);
  }, 90_000);

  it('/ready is 200 on the client port; /metrics, on the metrics port only, sums the workers', async () => {
    const ready = await fetch(`${url}/ready`);
    expect(ready.status).toBe(200);
    expect(await ready.json()).toMatchObject({ ready: true, broker: true, redis: true });
    expect((await fetch(`${url}/metrics`)).status).toBe(404);
    const metrics = await (await fetch(metricsUrl)).text();
    expect(metrics).toMatch(/^activestack_gateway_connected_clients 4$/m);
    expect(metrics).toContain('activestack_gateway_worker_restarts_total');
    expect(metrics).toContain('activestack_gateway_process_resident_memory_bytes');
  }, 90_000);

  it('a wrong shutdown code changes nothing and is not echoed', async () => {
    const out = await runConsole(file, 'shutdown not-the-code graceful 10\n');
    const answers = replies(out, 'shutdown');
    expect(answers.length, out).toBeGreaterThan(0);
    expect(answers.every((r) => !r.ok)).toBe(true);
    expect(out).not.toContain('not-the-code');
    const after = replies(await runConsole(file, 'clientcount\n'), 'clientcount');
    expect(after.reduce((sum, r) => sum + (r.clients ?? 0), 0)).toBe(4);
    expect(server.child.exitCode).toBeNull();
    expect(server.output()).not.toContain('not-the-code');
  }, 90_000);

  it('a rejected line is logged and answered by its command word alone: a mistyped word never shows the code after it', async () => {
    // The console refuses unknown words itself, so the line goes straight onto the channel, as any Redis client could send it.
    const publisher = new Redis({ host: REDIS_HOST, port: REDIS_PORT });
    try {
      const from = server.logs.length;
      await publisher.publish(channel, 'shutdwn pass123 graceful 10');
      await publisher.publish(channel, 'loglevel pass123');
      const rejected = (r: LogRecord): boolean => r.msg === 'control command rejected';
      await server.waitForLog((r) => rejected(r) && r.command === 'loglevel', 'the rejected loglevel line', 20_000, from);
      const logged = server.logs.slice(from).filter(rejected);
      expect(logged.map((r) => r.command)).toEqual(['shutdwn', 'loglevel']);
      expect(server.output()).not.toContain('pass123');
      expect(server.child.exitCode).toBeNull();
    } finally {
      publisher.disconnect();
    }
  }, 90_000);

  it('loglevel changes what the workers log', async () => {
    const closedAtDebug = (r: LogRecord): boolean => r.msg === 'socket closed' && r.level === 20;
    // A supervisor and two workers share 2 cores with the rest of the suite: connects get 15 s.
    const before = await TestSocket.open(url, 'socket.io', { connectTimeoutMs: 15_000 });
    before.close();
    await runConsole(file, 'clientcount\n'); // a round trip after the close, so its log line would be out
    expect(server.logs.some(closedAtDebug)).toBe(false);

    const out = await runConsole(file, 'loglevel debug\n');
    expect(replies(out, 'loglevel').filter((r) => r.ok)).toHaveLength(2);
    const from = server.logs.length;
    const after = await TestSocket.open(url, 'socket.io', { connectTimeoutMs: 15_000 });
    after.close();
    await server.waitForLog(closedAtDebug, 'a debug "socket closed" line', 20_000, from);
    await runConsole(file, 'loglevel info\n');
  }, 90_000);

  it('clientmessageresendinterval is accepted by every worker', async () => {
    const out = await runConsole(file, 'clientmessageresendinterval 1000\nclientmessageresendinterval\n');
    expect(replies(out, 'clientmessageresendinterval').filter((r) => r.ok)).toHaveLength(4);
  }, 90_000);

  it('a worker killed with SIGKILL is replaced', async () => {
    for (const s of sockets.splice(0)) s.close();
    const [victim] = workerPids();
    const from = server.logs.length;
    process.kill(victim!, 'SIGKILL');
    await server.waitForLog((r) => r.msg === 'gateway listening' && r.pid !== victim, 'a replacement worker', 30_000, from);
    const counts = replies(await runConsole(file, 'clientcount\n'), 'clientcount');
    expect(counts).toHaveLength(2);
    expect(counts.map((r) => r.pid)).not.toContain(victim);
    // The aggregation is cached for a second: a scrape from before the kill may still be served.
    const restarts = /activestack_gateway_worker_restarts_total\{reason="exit"\} 1/;
    let metrics = await (await fetch(metricsUrl)).text();
    for (const deadline = Date.now() + 5000; !restarts.test(metrics) && Date.now() < deadline;) {
      await new Promise((resolve) => setTimeout(resolve, 200));
      metrics = await (await fetch(metricsUrl)).text();
    }
    expect(metrics).toMatch(restarts);
  }, 90_000);

  it('graceful restart keeps a connected client served until it leaves', async () => {
    const client = await TestSocket.open(url);
    const old = replies(await runConsole(file, 'clientcount\n'), 'clientcount').map((r) => r.pid);
    const from = server.logs.length;
    const out = await runConsole(file, 'restart graceful 60000\n');
    expect(replies(out, 'restart').filter((r) => r.ok)).toHaveLength(2);
    await server.waitForLog((r) => r.msg === 'gateway listening' && !old.includes(r.pid), 'a new worker', 30_000, from);
    // The client's worker is still there and still serves it.
    expect(client.socket.connected).toBe(true);
    client.emit('message', { connect: {} });
    await client.next('gatewayConnectAck');
    expect(old.some(alive)).toBe(true);
    client.close();
    for (const pid of old) {
      await server.waitForLog((r) => r.msg === 'worker exited' && r.workerPid === pid, `old worker ${pid} exiting`, 30_000, from);
    }
  }, 90_000);

  it('every log line names one pid, the process that wrote it; supervisor lines name a worker as workerPid', () => {
    const json = server.lines.filter((line) => line.startsWith('{'));
    expect(json.length).toBeGreaterThan(10);
    const doubled = json.filter((line) => (line.match(/"pid":/g) ?? []).length !== 1);
    expect(doubled, doubled.slice(0, 3).join('\n')).toEqual([]);
    const supervisorLines = server.logs.filter((r) => r.msg === 'worker forked' || r.msg === 'worker exited');
    expect(supervisorLines.length).toBeGreaterThan(0);
    const supervisorPid = server.child.pid;
    for (const r of supervisorLines) {
      expect(r.pid).toBe(supervisorPid);
      expect(typeof r.workerPid).toBe('number');
      expect(r.workerPid).not.toBe(supervisorPid);
    }
  });

  it('SIGTERM shuts the supervisor and its workers down gracefully', async () => {
    const pids = replies(await runConsole(file, 'clientcount\n'), 'clientcount').map((r) => r.pid);
    expect(await server.stop()).toBe(0);
    expect(pids.filter(alive)).toEqual([]);
  }, 90_000);
});
