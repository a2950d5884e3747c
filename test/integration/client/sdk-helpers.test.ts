import { describe, expect, it } from 'vitest';
import { ActiveStackError, backoffDelay, decodePublicSession, memoryKeyStorage } from '../../../src/client/index.js';
import { RecentIds } from '../../../src/client/recent-ids.js';

const encode = (o: unknown) => Buffer.from(JSON.stringify(o)).toString('base64');

describe('decodePublicSession', () => {
  it('reads clientId and userId from the public part before the ;', () => {
    const key = `${encode({ clientId: 'a'.repeat(32), userId: 'Zoë', savedAt: 5 })};v1.k.sealed`;
    expect(decodePublicSession(key)).toEqual({ clientId: 'a'.repeat(32), userId: 'Zoë', savedAt: 5 });
  });

  it('refuses a key without a readable public part with a BAD_KEY error', () => {
    expect(() => decodePublicSession('%%%;x')).toThrow(ActiveStackError);
    expect(() => decodePublicSession(`${encode({ userId: 'u' })};x`)).toThrow(/clientId/);
  });
});

describe('backoffDelay', () => {
  const opts = { initialMs: 100, maxMs: 1000 };

  it('doubles from initialMs and stays within half to all of the ceiling', () => {
    expect(backoffDelay(0, opts, () => 0)).toBe(50);
    expect(backoffDelay(0, opts, () => 1)).toBe(100);
    expect(backoffDelay(2, opts, () => 1)).toBe(400);
  });

  it('never exceeds maxMs however many attempts failed', () => {
    expect(backoffDelay(60, opts, () => 1)).toBe(1000);
    expect(backoffDelay(60, opts, () => 0)).toBe(500);
  });
});

describe('RecentIds', () => {
  it('forgets the oldest id once past its limit', () => {
    const ids = new RecentIds(2);
    ids.add('a');
    ids.add('b');
    ids.add('c');
    expect([ids.has('a'), ids.has('b'), ids.has('c')]).toEqual([false, true, true]);
  });
});

describe('memoryKeyStorage', () => {
  it('keeps the last key and forgets it on clear', () => {
    const s = memoryKeyStorage();
    s.set('k1');
    s.set('k2');
    expect(s.get()).toBe('k2');
    s.clear();
    expect(s.get()).toBeNull();
  });
});
