import { describe, expect, it } from 'vitest';
import { DeploymentHistory } from '../../../../src/application/admin/deployment-history.js';
import { deploymentView } from '../../../../src/application/admin/deployment-view.js';
import type { StatsSample, WorkerStats } from '../../../../src/application/stats/stats-sample.js';

function sample(t: number, extra: Partial<StatsSample> = {}): StatsSample {
  return {
    t, ms: 1000, messagesIn: 0, messagesOut: 0, resends: 0, requeues: 0, heldPushes: 0, clients: 0,
    errors: {}, publishFailures: {}, closes: {}, loopLagMs: 1, rss: 1, heapUsed: 1, ...extra,
  };
}

function worker(pid: number, samples: StatsSample[], extra: Partial<WorkerStats> = {}): WorkerStats {
  return {
    instance: `h1:8080:${pid}`, host: 'h1', port: 8080, pid, supervisorPid: 7, startedAt: 0, now: 10_000,
    clients: 2, heldPushes: 1, draining: false, memory: { rss: 10, heapUsed: 5, heapTotal: 8 },
    limits: { rssLimitMb: 2048, heapUsedLimitMb: 1536, rssWarningMb: 1024, heapTotalWarningMb: 768 },
    loopLagMs: 2, health: [{ name: 'RabbitMQ', state: 'connected', since: 5 }], samples, ...extra,
  };
}

describe('DeploymentHistory', () => {
  it('merges replies without duplicating samples, and asks from the oldest newest sample of the workers answering', () => {
    const h = new DeploymentHistory({ silentAfterMs: 5_000 });
    expect(h.since(0)).toBe(0);
    h.record(worker(1, [sample(1_000), sample(2_000)]), 2_100);
    h.record(worker(2, [sample(1_000)]), 2_100);
    expect(h.since(2_100)).toBe(1_000);
    expect(h.answering(2_100)).toBe(2);
    // A reply overlapping what is known adds only the new samples.
    h.record(worker(2, [sample(1_000), sample(2_000), sample(3_000)]), 3_100);
    expect(h.entries().find((k) => k.status.pid === 2)?.samples.map((s) => s.t)).toEqual([1_000, 2_000, 3_000]);
    expect(h.since(3_100)).toBe(2_000);
    // A silent worker no longer holds the next request back, nor is expected.
    expect(h.since(8_000)).toBe(3_000);
    expect(h.answering(8_000)).toBe(1);
  });

  it('forgets samples past the window and workers with nothing left in it', () => {
    const h = new DeploymentHistory({ windowMs: 10_000 });
    h.record(worker(1, [sample(1_000), sample(9_000)]), 9_000);
    h.record(worker(2, [sample(9_000)]), 12_000);
    h.prune(15_000);
    expect(h.entries().find((k) => k.status.pid === 1)?.samples.map((s) => s.t)).toEqual([9_000]);
    h.prune(19_500);
    expect(h.entries().map((k) => k.status.pid)).toEqual([2]);
  });
});

describe('deploymentView', () => {
  it('groups workers by instance, adds logged-in counts from presence and lists presence nobody answered for', () => {
    const h = new DeploymentHistory();
    h.record(worker(11, []), 1_000);
    h.record(worker(12, [], { draining: true }), 1_000);
    h.record(worker(31, [], { instance: 'h2:8080:31', host: 'h2', supervisorPid: undefined as never }), 1_000);
    const state = deploymentView({
      history: h,
      presence: [
        { instance: 'h1:8080:11', clients: 2, loggedIn: 1 },
        { instance: 'h1:8080:12', clients: 2, loggedIn: 2 },
        { instance: 'h9:8080:99', clients: 5, loggedIn: 0 },
      ],
      since: 0,
      now: 1_500,
      intervalMs: 1000,
    });
    expect(state.instances.map((i) => [i.name, i.supervisorPid, i.workers.map((w) => w.pid)])).toEqual([
      ['h1:8080', 7, [11, 12]],
      ['h2:8080', undefined, [31]],
    ]);
    const [w11, w12] = state.instances[0]!.workers;
    expect(w11).toMatchObject({ loggedIn: 1, clients: 2, draining: false, answering: true, uptimeMs: 10_500 });
    expect(w12).toMatchObject({ loggedIn: 2, draining: true });
    expect(state.instances[1]!.workers[0]!.loggedIn).toBe(0);
    expect(state.silentInPresence).toEqual([{ instance: 'h9:8080:99', clients: 5, loggedIn: 0 }]);
    expect(state.totals).toEqual({ workers: 3, clients: 6, loggedIn: 3, heldPushes: 3 });
  });

  it('says so when presence cannot be read, and marks workers that stopped answering', () => {
    const h = new DeploymentHistory({ silentAfterMs: 5_000 });
    h.record(worker(11, []), 1_000);
    h.record(worker(12, []), 7_000);
    const state = deploymentView({ history: h, presence: undefined, presenceError: 'redis down', since: 0, now: 7_000, intervalMs: 1000 });
    expect(state.presenceError).toBe('redis down');
    const [w11, w12] = state.instances[0]!.workers;
    expect(w11).toMatchObject({ answering: false, lastSeen: 1_000 });
    expect(w11!.loggedIn).toBeUndefined();
    expect(w12!.answering).toBe(true);
    expect(state.totals.workers).toBe(1);
  });

  it('sums rates per second over workers by time bucket, keeps gauges per worker, and returns only rows after `since`', () => {
    const h = new DeploymentHistory();
    h.record(worker(1, [
      sample(1_010, { messagesIn: 4, heldPushes: 2, clients: 3, errors: { RATE_LIMITED: 2 } }),
      sample(2_020, { messagesIn: 6, heldPushes: 1, clients: 3, closes: { 'client-gone': 1 } }),
    ]), 2_100);
    h.record(worker(2, [
      sample(990, { messagesIn: 1, heldPushes: 5, clients: 1, errors: { RATE_LIMITED: 1, BAD_REQUEST: 1 }, publishFailures: { unroutable: 1 } }),
      // A timer that fired twice in the 2 s bucket: 5 messages over 1.4 s, not 5 per second twice; gauges of the later.
      sample(1_600, { ms: 600, messagesIn: 2, heldPushes: 4, clients: 1 }),
      sample(2_400, { ms: 800, messagesIn: 5, heldPushes: 3, clients: 2, requeues: 7 }),
    ]), 2_300);
    const rows = deploymentView({ history: h, presence: [], since: 0, now: 2_300, intervalMs: 1000 }).rows;
    expect(rows).toEqual([
      {
        t: 1_000, clients: { 'h1:8080:1': 3, 'h1:8080:2': 1 }, messagesIn: 5, messagesOut: 0, resends: 0, requeues: 0, heldPushes: 7,
        errors: { RATE_LIMITED: 3, BAD_REQUEST: 1 }, publishFailures: { unroutable: 1 }, closes: {},
      },
      {
        t: 2_000, clients: { 'h1:8080:1': 3, 'h1:8080:2': 2 }, messagesIn: 11, messagesOut: 0, resends: 0, requeues: 5, heldPushes: 4,
        errors: {}, publishFailures: {}, closes: { 'client-gone': 1 },
      },
    ]);
    expect(deploymentView({ history: h, presence: [], since: 1_500, now: 2_300, intervalMs: 1000 }).rows.map((r) => r.t)).toEqual([2_000]);
  });

  it('spreads a sample a late timer stretched over the buckets it covers, carrying the gauges; a long silence stays a gap', () => {
    const h = new DeploymentHistory();
    h.record(worker(1, [
      sample(1_000, { heldPushes: 2, clients: 4 }),
      sample(3_000, { ms: 2000, resends: 10, heldPushes: 6, clients: 5 }),
      sample(10_000, { ms: 7000, resends: 7, heldPushes: 1, clients: 5 }),
    ]), 10_000);
    const rows = deploymentView({ history: h, presence: [], since: 0, now: 10_000, intervalMs: 1000 }).rows;
    expect(rows.map((r) => [r.t, r.resends, r.heldPushes])).toEqual([[1_000, 0, 2], [2_000, 5, 2], [3_000, 5, 6], [10_000, 1, 1]]);
    // With 2 s samples, counts become rates per second.
    const slow = new DeploymentHistory();
    slow.record(worker(1, [sample(2_000, { ms: 2000, messagesIn: 10 })]), 2_000);
    expect(deploymentView({ history: slow, presence: [], since: 0, now: 2_000, intervalMs: 2000 }).rows[0]!.messagesIn).toBe(5);
  });

});
