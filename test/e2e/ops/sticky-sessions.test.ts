import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Socket } from 'socket.io-client';
import { AmqpTestAgent, createVhost, deleteVhost, testVhostName } from '../../support/amqp-agent.js';
import { requireRabbitMq, requireRedis } from '../../support/services.js';
import { runDefaultClient, upgraded } from './default-clients.js';
import { replies, runConsole, ServerProcess, writeConfig } from './ops-process.js';

/**
 * `io(url)` as a newcomer writes it, against the real CLI's cluster (2
 * workers, real RabbitMQ and Redis, a backend-like agent): the primary
 * hands each Engine.IO session's requests to one worker (@socket.io/sticky),
 * so long-polling works, and so does the upgrade to WebSocket. Without
 * sticky routing a polling session's next request lands on the other
 * worker half the time and fails with "Session ID unknown".
 */
const CLIENTS = 100;
const vhost = testVhostName('sticky');
let agent: AmqpTestAgent;
let server: ServerProcess;
let file: string;
let url: string;
const sockets: Socket[] = [];

beforeAll(async () => {
  await requireRedis();
  await requireRabbitMq();
  await createVhost(vhost);
  agent = await AmqpTestAgent.start({ vhost });
  ({ file } = writeConfig({ 'gateway.rabbitmq.vhost': vhost }));
  server = new ServerProcess([file]);
  url = `http://127.0.0.1:${await server.listening(2)}`;
}, 90_000);

afterAll(async () => {
  for (const s of sockets) s.close();
  await server?.stop();
  await agent?.stop();
  await deleteVhost(vhost);
}, 60_000);

async function clientsPerWorker(): Promise<number[]> {
  const counts = replies(await runConsole(file, 'clientcount\n'), 'clientcount');
  expect(counts).toHaveLength(2);
  return counts.map((r) => r.clients ?? 0);
}

/**
 * Closes the clients and waits until both workers report none: the primary
 * balances new sessions by each worker's open sessions, so the next wave
 * starts from even counts.
 */
async function closeAll(): Promise<void> {
  for (const s of sockets.splice(0)) s.close();
  for (let i = 0; i < 60; i++) {
    if ((await clientsPerWorker()).every((n) => n === 0)) return;
  }
  throw new Error('clients still connected after closing them all');
}

describe(`${CLIENTS} default clients against a 2-worker server`, () => {
  it('io(url): polling first, then the upgrade; every client connects, logs in and gets its reply', async () => {
    const runs = await Promise.all(Array.from({ length: CLIENTS }, (_, n) => runDefaultClient(url, n)));
    sockets.push(...runs.map((r) => r.socket));
    expect(runs.every((r) => r.firstTransport === 'polling')).toBe(true);
    for (const [n, run] of runs.entries()) {
      expect(run.clientId).toMatch(/^[0-9a-f]{32}$/);
      expect(run.reply).toMatchObject({ cn: 'com.percero.agents.sync.vo.FindByIdResponse', result: { ID: String(n), owner: 'demo-user' } });
    }
    await Promise.all(runs.map((r) => upgraded(r.socket)));
    expect(runs.every((r) => r.socket.io.engine.transport.name === 'websocket')).toBe(true);
    // Both workers took sessions: the stickiness is per session, not one worker for all.
    const counts = await clientsPerWorker();
    expect(counts.reduce((a, b) => a + b, 0)).toBe(CLIENTS);
    expect(Math.min(...counts), JSON.stringify(counts)).toBeGreaterThan(0);
    await closeAll();
  }, 180_000);

  it("transports: ['polling'] only: every client connects, logs in and gets its reply over long-polling", async () => {
    const runs = await Promise.all(Array.from({ length: CLIENTS }, (_, n) => runDefaultClient(url, 1000 + n, { transports: ['polling'] })));
    sockets.push(...runs.map((r) => r.socket));
    for (const [n, run] of runs.entries()) {
      expect(run.firstTransport).toBe('polling');
      expect(run.socket.io.engine.transport.name).toBe('polling');
      expect(run.reply).toMatchObject({ result: { ID: String(1000 + n), owner: 'demo-user' } });
    }
    const counts = await clientsPerWorker();
    expect(Math.min(...counts), JSON.stringify(counts)).toBeGreaterThan(0);
    await closeAll();
  }, 180_000);

  it('graceful restart: a polling session on a draining worker keeps being served; new sessions go to the replacements', async () => {
    const old = replies(await runConsole(file, 'clientcount\n'), 'clientcount').map((r) => r.pid);
    const staying = await runDefaultClient(url, 2000, { transports: ['polling'] });
    sockets.push(staying.socket);
    const from = server.logs.length;
    const out = await runConsole(file, 'restart graceful 120000\n');
    expect(replies(out, 'restart').filter((r) => r.ok), out).toHaveLength(2);
    await server.until((logs) => logs.slice(from).filter((r) => r.msg === 'gateway listening' && !old.includes(r.pid)).length >= 2, 'two replacements listening', 60_000);
    await server.waitForLog((r) => r.msg === 'draining: waiting for clients to leave', 'an old worker draining', 30_000, from);

    // Its every poll still reaches its own (draining) worker through the primary.
    const reply = new Promise<{ result?: { ID?: string } }>((resolve) => {
      staying.socket.on('push', (p: { correspondingMessageId?: string; result?: { ID?: string } }) => { if (p.correspondingMessageId === 'after-restart') resolve(p); });
    });
    staying.socket.emit('findById', { messageId: 'after-restart', theClassId: 'still-here' });
    expect((await reply).result?.ID).toBe('still-here');
    expect(staying.socket.io.engine.transport.name).toBe('polling');

    const fresh = await runDefaultClient(url, 2001, { transports: ['polling'] });
    sockets.push(fresh.socket);
    const serving = replies(await runConsole(file, 'clientcount\n'), 'clientcount');
    expect(serving.map((r) => r.pid).some((pid) => old.includes(pid))).toBe(false);
    expect(serving.reduce((sum, r) => sum + (r.clients ?? 0), 0)).toBe(1);
    staying.socket.close();
    await server.until((logs) => old.every((pid) => logs.some((r) => r.msg === 'worker exited' && r.workerPid === pid)), 'the old workers exiting', 60_000);
  }, 180_000);
});
