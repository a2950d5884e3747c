import { describe, expect, it } from 'vitest';
import { FanOutMetrics } from '../../../../src/application/stats/fan-out-metrics.js';
import { RingBuffer } from '../../../../src/application/stats/ring-buffer.js';
import { StatsCollector } from '../../../../src/application/stats/stats-collector.js';
import { CountingMetrics } from '../../../support/fakes.js';

const reading = { memory: { rss: 100, heapUsed: 50, heapTotal: 80 }, loopLagMs: 3 };

describe('RingBuffer', () => {
  it('keeps the last items, oldest first', () => {
    const ring = new RingBuffer<number>(3);
    expect(ring.toArray()).toEqual([]);
    expect(ring.last()).toBeUndefined();
    for (const n of [1, 2, 3, 4, 5]) ring.push(n);
    expect(ring.toArray()).toEqual([3, 4, 5]);
    expect(ring.size).toBe(3);
    expect(ring.last()).toBe(5);
    expect(() => new RingBuffer(0)).toThrow(/capacity/);
  });
});

describe('StatsCollector', () => {
  it('closes each interval into a sample of its counts, with the gauges at its end', () => {
    const stats = new StatsCollector(1_000);
    stats.clientsConnected(3);
    stats.messageIn('testCall');
    stats.messageIn('message');
    stats.messageOut('push');
    stats.resend();
    stats.gatewayError('RATE_LIMITED');
    stats.gatewayError('RATE_LIMITED');
    stats.gatewayError('UNKNOWN_EVENT');
    stats.deliveriesHeld(2);
    stats.deliveriesHeld(-1);
    stats.requeue();
    stats.publishFailed('unroutable');
    stats.clientClosed('client-gone');
    stats.clientsConnected(-1);

    const first = stats.sample(2_000, reading);
    expect(first).toEqual({
      t: 2_000, ms: 1_000, messagesIn: 2, messagesOut: 1, resends: 1, requeues: 1, heldPushes: 1, clients: 2,
      errors: { RATE_LIMITED: 2, UNKNOWN_EVENT: 1 }, publishFailures: { unroutable: 1 }, closes: { 'client-gone': 1 },
      loopLagMs: 3, rss: 100, heapUsed: 50,
    });

    // Counts start again; gauges carry on.
    stats.messageIn('testCall');
    const second = stats.sample(2_900, reading);
    expect(second).toMatchObject({ t: 2_900, ms: 900, messagesIn: 1, messagesOut: 0, resends: 0, requeues: 0, heldPushes: 1, clients: 2, errors: {}, closes: {} });
    expect(first.errors).toEqual({ RATE_LIMITED: 2, UNKNOWN_EVENT: 1 });
  });

  it('keeps the last `capacity` samples and hands out those after a time', () => {
    const stats = new StatsCollector(0, 5);
    for (let t = 1_000; t <= 8_000; t += 1_000) stats.sample(t, reading);
    expect(stats.samplesSince(0).map((s) => s.t)).toEqual([4_000, 5_000, 6_000, 7_000, 8_000]);
    expect(stats.samplesSince(6_000).map((s) => s.t)).toEqual([7_000, 8_000]);
    expect(stats.samplesSince(8_000)).toEqual([]);
    expect(stats.lastSample()?.t).toBe(8_000);
  });
});

describe('FanOutMetrics', () => {
  it('gives every count to each target', () => {
    const a = new CountingMetrics();
    const b = new StatsCollector(0);
    const both = new FanOutMetrics([a, b]);
    both.clientsConnected(1);
    both.messageIn('x');
    both.deliveriesHeld(1);
    both.requeue();
    both.publishFailed('nacked');
    both.clientClosed('logout');
    both.gatewayError('BAD_REQUEST');
    expect(a.connected).toBe(1);
    expect(a.held).toBe(1);
    expect([...a.counts.keys()].sort()).toEqual(['closed:logout', 'error:BAD_REQUEST', 'in:x', 'publishFailed:nacked', 'requeue']);
    expect(b.sample(1, reading)).toMatchObject({ clients: 1, messagesIn: 1, heldPushes: 1, requeues: 1, publishFailures: { nacked: 1 }, closes: { logout: 1 } });
  });
});
