import { describe, expect, it } from 'vitest';
import { PendingRevocations } from '../../../src/adapters/redis/pending-revocations.js';

function fixture(max = 100_000) {
  let now = 1_000;
  const written: Array<[string, number]> = [];
  let failing = false;
  const pending = new PendingRevocations(
    async (sid, ttl) => {
      if (failing) throw new Error('redis away');
      written.push([sid, ttl]);
    },
    () => now,
    max,
  );
  return {
    pending,
    written,
    advance: (ms: number) => (now += ms),
    fail: (on: boolean) => (failing = on),
  };
}

describe('PendingRevocations', () => {
  it('holds a sid until its ttl passes', () => {
    const f = fixture();
    f.pending.add('a', 500);
    expect(f.pending.has('a')).toBe(true);
    expect(f.pending.has('b')).toBe(false);
    f.advance(500);
    expect(f.pending.has('a')).toBe(false);
    expect(f.pending.size).toBe(0);
  });

  it('writes each with the ttl it has left, oldest first, and forgets what was written', async () => {
    const f = fixture();
    f.pending.add('a', 1_000);
    f.advance(100);
    f.pending.add('b', 1_000);
    f.advance(300);
    expect(await f.pending.flush()).toBe(2);
    expect(f.written).toEqual([['a', 600], ['b', 700]]);
    expect(f.pending.size).toBe(0);
  });

  it('keeps everything not yet written when Redis is still away, and writes it later', async () => {
    const f = fixture();
    f.pending.add('a', 1_000);
    f.fail(true);
    await expect(f.pending.flush()).rejects.toThrow('redis away');
    expect(f.pending.has('a')).toBe(true);
    f.fail(false);
    expect(await f.pending.flush()).toBe(1);
    expect(f.pending.size).toBe(0);
  });

  it('drops expired ones without writing them', async () => {
    const f = fixture();
    f.pending.add('old', 100);
    f.advance(200);
    expect(await f.pending.flush()).toBe(0);
    expect(f.written).toEqual([]);
    expect(f.pending.size).toBe(0);
  });

  it('stays bounded: beyond max the oldest goes', () => {
    const f = fixture(2);
    f.pending.add('a', 1_000);
    f.pending.add('b', 1_000);
    f.pending.add('c', 1_000);
    expect([f.pending.has('a'), f.pending.has('b'), f.pending.has('c')]).toEqual([false, true, true]);
  });
});
