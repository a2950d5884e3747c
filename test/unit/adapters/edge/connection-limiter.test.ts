import { describe, expect, it } from 'vitest';
import { addressKey } from '../../../../src/adapters/edge/client-address.js';
import { ConnectionLimiter } from '../../../../src/adapters/edge/connection-limiter.js';

const T = 1_000_000;

describe('ConnectionLimiter', () => {
  it('refuses the N+1th open connection of an address until one is released; other addresses are unaffected', () => {
    const l = new ConnectionLimiter({ perAddress: 2, perAddressPerSecond: 0 });
    const a = l.tryOpen('a', T);
    const b = l.tryOpen('a', T);
    expect(a.ok && b.ok).toBe(true);
    expect(l.tryOpen('a', T)).toEqual({ ok: false, reason: 'too-many' });
    expect(l.tryOpen('b', T).ok).toBe(true);
    if (a.ok) {
      a.lease.release();
      a.lease.release(); // idempotent: frees one place, not two
    }
    expect(l.tryOpen('a', T).ok).toBe(true);
    expect(l.tryOpen('a', T)).toEqual({ ok: false, reason: 'too-many' });
  });

  it('limits new connections per second per address, refilled with time', () => {
    const l = new ConnectionLimiter({ perAddress: 0, perAddressPerSecond: 3 });
    for (let i = 0; i < 3; i++) expect(l.tryOpen('a', T).ok).toBe(true);
    expect(l.tryOpen('a', T)).toEqual({ ok: false, reason: 'too-fast' });
    expect(l.tryOpen('b', T).ok).toBe(true);
    expect(l.tryOpen('a', T + 340).ok).toBe(true);
    expect(l.tryOpen('a', T + 340)).toEqual({ ok: false, reason: 'too-fast' });
  });

  it('forgets idle addresses, so the table does not grow with every address ever seen', () => {
    const l = new ConnectionLimiter({ perAddress: 5, perAddressPerSecond: 5 });
    const held = l.tryOpen('held', T);
    for (let i = 0; i < 2000; i++) {
      const r = l.tryOpen(`addr-${i}`, T);
      if (r.ok) r.lease.release();
    }
    l.tryOpen('late', T + 5000);
    for (let i = 0; i < 1000; i++) l.tryOpen('late', T + 5000);
    const size = (l as unknown as { addresses: Map<string, unknown> }).addresses.size;
    expect(size).toBeLessThan(10);
    expect(held.ok && l.openCount('held')).toBe(1);
  });

  it('is off with both limits at 0', () => {
    const l = new ConnectionLimiter({ perAddress: 0, perAddressPerSecond: 0 });
    expect(l.enabled).toBe(false);
  });
});

describe('addressKey', () => {
  it('counts IPv4 as is, IPv4-mapped IPv6 as IPv4, other IPv6 by its /64', () => {
    expect(addressKey('203.0.113.7')).toBe('203.0.113.7');
    expect(addressKey('::ffff:203.0.113.7')).toBe('203.0.113.7');
    expect(addressKey('2001:db8:1:2:aaaa::1')).toBe('2001:db8:1:2::/64');
    expect(addressKey('2001:db8:1:2:bbbb::9')).toBe(addressKey('2001:db8:1:2:aaaa::1'));
    expect(addressKey('2001:db8:1:3::1')).not.toBe(addressKey('2001:db8:1:2::1'));
  });
});
