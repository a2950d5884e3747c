import { afterEach, describe, expect, it } from 'vitest';
import { AdminService } from '../../../../src/application/admin/admin-service.js';
import { parseStatsRequest } from '../../../../src/application/admin/stats-request.js';
import { StatsResponder } from '../../../../src/application/admin/stats-responder.js';
import { ControlService, type ControlTarget } from '../../../../src/application/control.js';
import { StatsCollector } from '../../../../src/application/stats/stats-collector.js';
import type { WorkerStats } from '../../../../src/application/stats/stats-sample.js';
import { SystemClock } from '../../../../src/adapters/clock/system-clock.js';
import { InMemoryControlChannel, InMemoryControlHub } from '../../../../src/adapters/memory/in-memory-control-channel.js';
import { InMemorySessionStore } from '../../../../src/adapters/memory/in-memory-session-store.js';
import { MemoryLogger } from '../../../support/fakes.js';

/**
 * The admin service against two "workers" on in-memory buses: each answers
 * `stats` on the admin bus with its own collector's history, and runs
 * console commands through a ControlService, as the real workers do.
 */
const CODE = 'the-shutdown-code';
const reading = { memory: { rss: 1, heapUsed: 1, heapTotal: 1 }, loopLagMs: 0 };
const closers: Array<() => Promise<void>> = [];
afterEach(async () => {
  for (const close of closers.splice(0)) await close();
});

function setup(start = Date.now() - 2000) {
  const adminHub = new InMemoryControlHub();
  const controlHub = new InMemoryControlHub();
  const store = new InMemorySessionStore();
  const logger = new MemoryLogger();
  const requests: string[] = [];
  const workers = [1, 2].map((pid) => {
    const stats = new StatsCollector(start);
    const bus = new InMemoryControlChannel(adminHub);
    const control = new InMemoryControlChannel(controlHub);
    const source = (since: number): WorkerStats => ({
      instance: `host:80:${pid}`, host: 'host', port: 80, pid, startedAt: 0, now: Date.now(), clients: stats.connectedClients,
      heldPushes: stats.heldPushes, draining: false, memory: reading.memory,
      limits: { rssLimitMb: 0, heapUsedLimitMb: 0, rssWarningMb: 0, heapTotalWarningMb: 0 }, loopLagMs: 0, health: [],
      samples: stats.samplesSince(since),
    });
    const target: ControlTarget = {
      clientCount: async () => [{ pid, ok: true, clients: stats.connectedClients }],
      setLogLevel: async () => [{ pid, ok: true }],
      setResendInterval: async () => [{ pid, ok: true }],
      restart: async () => ({ outcomes: [{ pid, ok: true }], start: () => undefined }),
      shutdown: async () => ({ outcomes: [{ pid, ok: true }], start: () => undefined }),
    };
    const service = new ControlService(control, target, { instance: `host:80:${pid}`, pid, shutdownCode: CODE, defaultResendInterval: 1000, logger });
    closers.push(() => bus.close(), () => control.close());
    return { pid, stats, bus, responder: new StatsResponder(bus, source, logger), service };
  });
  const spy = new InMemoryControlChannel(adminHub);
  closers.push(() => spy.close());
  const adminBus = new InMemoryControlChannel(adminHub);
  const control = new InMemoryControlChannel(controlHub);
  closers.push(() => adminBus.close(), () => control.close());
  const admin = new AdminService({ adminBus, control, store, clock: new SystemClock(), logger }, { intervalMs: 1000, statsWaitMs: 2_000, commandWaitMs: 2_000 });
  return {
    workers, store, logger, admin, requests,
    async start(): Promise<void> {
      await spy.onCommand((line) => requests.push(line));
      for (const w of workers) {
        await w.responder.start();
        await w.service.start();
      }
      await admin.start();
    },
  };
}

describe('AdminService', () => {
  it('gathers every worker, its history and presence, then asks only for what is new', async () => {
    const now = Date.now();
    const env = setup(now - 2000);
    await env.start();
    const [w1, w2] = env.workers;
    w1!.stats.clientsConnected(2);
    w1!.stats.messageIn('testCall');
    w2!.stats.clientsConnected(1);
    w2!.stats.deliveriesHeld(3);
    w1!.stats.sample(now - 1000, reading);
    w2!.stats.sample(now - 1000, reading);
    await env.store.setPresent('host:80:1', { clientId: 'a', userId: 'u1' });
    await env.store.setPresent('host:80:1', { clientId: 'b' });
    await env.store.setPresent('host:80:2', { clientId: 'c', userId: 'u2' });

    const state = await env.admin.state(0);
    expect(state.instances).toHaveLength(1);
    expect(state.instances[0]!.workers.map((w) => [w.pid, w.clients, w.loggedIn, w.heldPushes])).toEqual([[1, 2, 1, 0], [2, 1, 1, 3]]);
    expect(state.totals).toMatchObject({ workers: 2, clients: 3, loggedIn: 2, heldPushes: 3 });
    expect(state.rows).toHaveLength(1);
    expect(state.rows[0]).toMatchObject({ messagesIn: 1, heldPushes: 3, clients: { 'host:80:1': 2, 'host:80:2': 1 } });
    expect(parseStatsRequest(env.requests[0]!)?.since).toBe(0);

    // The next round asks from the newest sample both have; the page gets only newer rows.
    w1!.stats.messageIn('testCall');
    w1!.stats.sample(now, reading);
    w2!.stats.sample(now, reading);
    await new Promise((r) => setTimeout(r, 600));
    const next = await env.admin.state(now - 500);
    expect(parseStatsRequest(env.requests.at(-1)!)?.since).toBe(now - 1000);
    expect(next.rows.map((r) => r.messagesIn)).toEqual([1]);
  });

  it('runs a console command, gathers one reply per worker and logs who ran it', async () => {
    const env = setup();
    await env.start();
    env.workers[0]!.stats.clientsConnected(4);
    await env.admin.state(0);
    const result = await env.admin.command('clientcount', 'alice');
    expect(result.ok).toBe(true);
    expect(result.replies.map((r) => [r.pid, r.clients]).sort()).toEqual([[1, 4], [2, 0]]);
    const audit = env.logger.lines.filter((l) => l.msg === 'admin command');
    expect(audit).toHaveLength(1);
    expect(audit[0]!.obj).toMatchObject({ admin: 'alice', command: 'clientcount' });
  });

  it('never logs or returns the shutdown code, and reports a wrong one as each worker does', async () => {
    const env = setup();
    await env.start();
    await env.admin.state(0);
    const wrong = await env.admin.command('shutdown not-it graceful 10', 'bob');
    expect(wrong.ok).toBe(false);
    expect(wrong.replies.map((r) => r.error)).toEqual(['wrong or missing shutdown code', 'wrong or missing shutdown code']);
    const right = await env.admin.command(`shutdown ${CODE} graceful 10`, 'bob');
    expect(right.ok).toBe(true);
    expect(right.command).toBe('shutdown *** graceful 10');
    const logged = JSON.stringify(env.logger.lines);
    expect(logged).not.toContain(CODE);
    expect(logged).not.toContain('not-it');
    expect(env.logger.lines.filter((l) => l.msg === 'admin command').map((l) => (l.obj as { admin: string }).admin)).toEqual(['bob', 'bob']);
  });

  it('refuses what is not a console command, without sending it', async () => {
    const env = setup();
    await env.start();
    for (const line of ['stats 1 0', 'flushall', `clientcount ${'x'.repeat(2000)}`]) {
      const result = await env.admin.command(line, 'eve');
      expect(result).toMatchObject({ ok: false, failure: 'not-a-command', replies: [] });
    }
    expect(env.logger.lines.filter((l) => l.msg === 'admin command refused: not a console command')).toHaveLength(3);
  });

  it('says so when the control channel is gone', async () => {
    const env = setup();
    await env.start();
    for (const close of closers.splice(0)) await close();
    const result = await env.admin.command('clientcount', 'carol');
    expect(result).toMatchObject({ ok: false, failure: 'channel-unavailable' });
  });
});
