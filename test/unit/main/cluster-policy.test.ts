import { describe, expect, it } from 'vitest';
import { isSilent, maxRestartDelay, memoryVerdict, restartDelay, STARTUP_GRACE_MS } from '../../../src/main/cluster/policy.js';

const backoff = { workerRestartDelay: 50, maxRestartBackoff: 10 };
const MB = 1024 * 1024;
const memory = { memoryWarning: { rss: 1024, heapTotal: 60 }, memoryLimit: { rss: 2048, heapUsed: 100 } };

describe('restartDelay', () => {
  it('follows workerRestartDelay * random * (2^failures - 1)', () => {
    expect(restartDelay(0, backoff, 0.5)).toBe(0);
    expect(restartDelay(1, backoff, 0.5)).toBe(25);
    expect(restartDelay(3, backoff, 0.5)).toBe(175);
    expect(restartDelay(3, backoff, 0)).toBe(0);
  });

  it('grows with repeated failures and stops growing at maxRestartBackoff', () => {
    const delays = [1, 2, 3, 4, 5].map((f) => maxRestartDelay(f, backoff));
    for (let i = 1; i < delays.length; i++) expect(delays[i]).toBeGreaterThan(delays[i - 1]!);
    expect(maxRestartDelay(10, backoff)).toBe(50 * 1023);
    expect(maxRestartDelay(25, backoff)).toBe(maxRestartDelay(10, backoff));
  });
});

describe('isSilent', () => {
  it('is true only once workerTimeout has passed since the worker was last heard', () => {
    expect(isSilent(1000, 6000, 5000)).toBe(false);
    expect(isSilent(1000, 6001, 5000)).toBe(true);
  });

  it('gives a worker that has not heartbeaten yet the startup grace', () => {
    expect(isSilent(0, 6001, 5000, 0)).toBe(false);
    expect(isSilent(0, STARTUP_GRACE_MS + 1, 5000, 0)).toBe(true);
    expect(isSilent(0, 60_001, 60_000, 0)).toBe(true);
  });
});

describe('memoryVerdict', () => {
  it('is ok under every threshold', () => {
    expect(memoryVerdict({ rss: 200 * MB, heapTotal: 50 * MB, heapUsed: 40 * MB }, memory)).toEqual({ action: 'ok' });
  });

  it('warns over a warning threshold', () => {
    const v = memoryVerdict({ rss: 200 * MB, heapTotal: 70 * MB, heapUsed: 40 * MB }, memory);
    expect(v.action).toBe('warn');
    expect(v.action !== 'ok' && v.reasons[0]).toContain('heapTotal');
  });

  it('replaces over a limit, which wins over warnings', () => {
    const v = memoryVerdict({ rss: 3000 * MB, heapTotal: 200 * MB, heapUsed: 150 * MB }, memory);
    expect(v).toEqual({ action: 'replace', reasons: [expect.stringContaining('rss'), expect.stringContaining('heapUsed')] });
  });

  it('treats 0 as no check', () => {
    const off = { memoryWarning: { rss: 0, heapTotal: 0 }, memoryLimit: { rss: 0, heapUsed: 0 } };
    expect(memoryVerdict({ rss: 9e12, heapTotal: 9e12, heapUsed: 9e12 }, off)).toEqual({ action: 'ok' });
  });
});
