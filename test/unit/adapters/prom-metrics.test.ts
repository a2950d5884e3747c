import { AggregatorRegistry, Histogram, Registry } from 'prom-client';
import { describe, expect, it } from 'vitest';
import { LocalHistogram } from '../../../src/adapters/metrics/local-histogram.js';
import { PromMetrics } from '../../../src/adapters/metrics/prom-metrics.js';

const BUCKETS = [0.5, 1, 2, 5, 10, 25, 50, 100, 250, 1000];
const OBSERVED = [0.1, 0.5, 0.7, 3, 3, 9.99, 10, 42, 999, 1000, 5000, 0];

describe('LocalHistogram', () => {
  it('exposes exactly what prom-client’s Histogram exposes for the same observations', async () => {
    const ours = new Registry();
    const theirs = new Registry();
    const local = new LocalHistogram('x_ms', 'help text', BUCKETS, ours);
    const reference = new Histogram({ name: 'x_ms', help: 'help text', buckets: BUCKETS, registers: [theirs] });
    for (const v of OBSERVED) {
      local.observe(v);
      reference.observe(v);
    }
    expect(await ours.metrics()).toBe(await theirs.metrics());
  });

  it('sums across workers in the cluster aggregator like prom-client’s Histogram', async () => {
    const workers = [new Registry(), new Registry()];
    workers.forEach((r, i) => {
      const h = new LocalHistogram('x_ms', 'help text', BUCKETS, r);
      for (const v of OBSERVED.slice(i * 6, i * 6 + 6)) h.observe(v);
    });
    const reference = new Registry();
    const h = new Histogram({ name: 'x_ms', help: 'help text', buckets: BUCKETS, registers: [reference] });
    for (const v of OBSERVED) h.observe(v);
    const summed = AggregatorRegistry.aggregate(await Promise.all(workers.map((r) => r.getMetricsAsJSON())));
    expect(await summed.metrics()).toBe(await reference.metrics());
  });

  it('starts over on reset, as the registry’s resetMetrics expects', async () => {
    const r = new Registry();
    const h = new LocalHistogram('x_ms', 'help text', BUCKETS, r);
    h.observe(3);
    r.resetMetrics();
    expect(await r.metrics()).toContain('x_ms_count 0');
  });
});

describe('PromMetrics', () => {
  it('counts per-message events between scrapes and does not count them twice', async () => {
    const m = new PromMetrics({ defaultMetrics: false });
    m.messageIn('findById');
    m.messageIn('findById');
    m.messageIn('message');
    m.messageOut('push');
    let text = await m.metricsText();
    expect(text).toContain('activestack_gateway_messages_in_total{event="findById"} 2');
    expect(text).toContain('activestack_gateway_messages_in_total{event="message"} 1');
    expect(text).toContain('activestack_gateway_messages_out_total{kind="push"} 1');
    m.messageIn('findById');
    text = await m.metricsText();
    expect(text).toContain('activestack_gateway_messages_in_total{event="findById"} 3');
    expect(text).toContain('activestack_gateway_messages_out_total{kind="push"} 1');
  });

  it('the cluster sum reads the same counts (AggregatorRegistry collects through getMetricsAsJSON)', async () => {
    const a = new PromMetrics({ defaultMetrics: false });
    const b = new PromMetrics({ defaultMetrics: false });
    a.messageIn('findById');
    b.messageIn('findById');
    b.publishConfirm(1.5);
    const summed = AggregatorRegistry.aggregate([await a.registry.getMetricsAsJSON(), await b.registry.getMetricsAsJSON()]);
    const text = await summed.metrics();
    expect(text).toContain('activestack_gateway_messages_in_total{event="findById"} 2');
    expect(text).toContain('activestack_gateway_publish_confirm_ms_count 1');
  });
});
