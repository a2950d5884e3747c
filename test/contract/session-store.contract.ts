import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import type { SessionStore } from '../../src/application/ports.js';

/** Two stores that share state, as two gateway instances share one Redis. */
export interface SessionStoreFixture {
  readonly store: SessionStore;
  readonly peer: SessionStore;
  dispose(): Promise<void>;
}

/** Polls until `read` returns `expected`; expiry is driven by the store's own clock. */
async function eventually<T>(read: () => Promise<T>, expected: T): Promise<void> {
  for (;;) {
    if (JSON.stringify(await read()) === JSON.stringify(expected)) return;
    await new Promise((resolve) => setTimeout(resolve, 10));
  }
}

export function sessionStoreContract(name: string, factory: () => Promise<SessionStoreFixture>): void {
  describe(`SessionStore contract: ${name}`, () => {
    let fx: SessionStoreFixture;

    beforeEach(async () => {
      fx = await factory();
    });

    afterEach(async () => {
      await fx.dispose();
    });

    it('is connected', () => {
      expect(fx.store.isConnected()).toBe(true);
    });

    it('makes a revocation visible on every instance, and only for that sid', async () => {
      expect(await fx.peer.isRevoked('sid-1')).toBe(false);
      await fx.store.revoke('sid-1', 60_000);
      expect(await fx.peer.isRevoked('sid-1')).toBe(true);
      expect(await fx.store.isRevoked('sid-1')).toBe(true);
      expect(await fx.peer.isRevoked('sid-2')).toBe(false);
    });

    it('tells every watcher of every instance of a revocation, and stops when unwatched', async () => {
      const heard: string[] = [];
      const heardHere: string[] = [];
      let resyncs = 0;
      const unwatch = fx.peer.watchRevocations({ revoked: (sid) => heard.push(sid), resync: () => resyncs++ });
      const unwatchHere = fx.store.watchRevocations({ revoked: (sid) => heardHere.push(sid), resync: () => undefined });
      // Subscribed (the first resync says so) before anything is published.
      await eventually(async () => resyncs > 0, true);
      await fx.store.revoke('sid-w1', 60_000);
      await eventually(async () => heard.includes('sid-w1') && heardHere.includes('sid-w1'), true);
      unwatch();
      unwatchHere();
      await fx.store.revoke('sid-w2', 60_000);
      await fx.store.revoke('sid-w3', 60_000);
      await new Promise((r) => setTimeout(r, 50));
      expect(heard).toEqual(['sid-w1']);
    });

    it('forgets a revocation once its ttl has passed', async () => {
      await fx.store.revoke('short', 30);
      await eventually(() => fx.peer.isRevoked('short'), false);
    });

    it('refuses a ttl that is not a positive integer', async () => {
      await expect(fx.store.revoke('x', 0)).rejects.toThrow(/ttlMs/);
      await expect(fx.store.refreshInstance('i', -5)).rejects.toThrow(/ttlMs/);
    });

    it('counts clients and distinct logged-in users over all instances', async () => {
      await fx.store.setPresent('a', { clientId: 'c1', userId: 'u1' });
      await fx.store.setPresent('a', { clientId: 'c2' });
      await fx.peer.setPresent('b', { clientId: 'c3', userId: 'u1' });
      await fx.peer.setPresent('b', { clientId: 'c4', userId: 'u2' });
      expect(await fx.store.countClients()).toBe(4);
      expect((await fx.peer.loggedInUsers()).sort()).toEqual(['u1', 'u2']);

      await fx.store.setAbsent('a', 'c2');
      await fx.peer.setPresent('b', { clientId: 'c4' }); // logged out
      expect(await fx.peer.countClients()).toBe(3);
      expect(await fx.store.loggedInUsers()).toEqual(['u1']);

      await fx.store.setAbsent('a', 'unknown'); // harmless
      await fx.store.setAbsent('a', 'c1');
      await fx.peer.setAbsent('b', 'c3');
      await fx.peer.setAbsent('b', 'c4');
      expect(await fx.store.countClients()).toBe(0);
      expect(await fx.store.loggedInUsers()).toEqual([]);
    });

    it('drops the presence of an instance that stops refreshing it', async () => {
      await fx.store.setPresent('dying', { clientId: 'c1', userId: 'u1' });
      await fx.peer.setPresent('living', { clientId: 'c2', userId: 'u2' });
      await fx.peer.refreshInstance('living', 60_000);
      await fx.store.refreshInstance('dying', 40);
      await eventually(() => fx.peer.countClients(), 1);
      expect(await fx.peer.loggedInUsers()).toEqual(['u2']);
      // A later entry of the same instance starts afresh.
      await fx.store.setPresent('dying', { clientId: 'c9' });
      expect(await fx.peer.countClients()).toBe(2);
    });
  });
}
