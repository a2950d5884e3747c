import { describe, expect, it } from 'vitest';
import { cachedFor, clusterMetricsText } from '../../../src/adapters/metrics/cluster-metrics.js';

describe('the cluster aggregation of /metrics', () => {
  it('asks the workers once for scrapes within a second, and again after', async () => {
    let now = 10_000;
    let aggregations = 0;
    const text = clusterMetricsText(async () => 'own 1', {
      now: () => now,
      aggregate: async () => `workers ${++aggregations}`,
    });
    expect(await text()).toBe('workers 1\nown 1');
    now += 999;
    expect(await text()).toBe('workers 1\nown 1');
    expect(aggregations).toBe(1);
    now += 1;
    expect(await text()).toBe('workers 2\nown 1');
    expect(aggregations).toBe(2);
  });

  it('shares one aggregation between scrapes that arrive while it runs', async () => {
    let aggregations = 0;
    let finish!: (text: string) => void;
    const text = clusterMetricsText(async () => '', {
      aggregate: () => {
        aggregations++;
        return new Promise<string>((resolve) => (finish = resolve));
      },
    });
    const scrapes = [text(), text(), text()];
    finish('sum');
    expect(await Promise.all(scrapes)).toEqual(['sum\n', 'sum\n', 'sum\n']);
    expect(aggregations).toBe(1);
  });

  it('does not keep a failure: the next scrape asks again', async () => {
    let calls = 0;
    const collect = cachedFor(1000, async () => {
      calls++;
      if (calls === 1) throw new Error('a worker did not answer');
      return 'ok';
    }, () => 0);
    await expect(collect()).rejects.toThrow('a worker did not answer');
    expect(await collect()).toBe('ok');
    expect(await collect()).toBe('ok');
    expect(calls).toBe(2);
  });
});
