import { describe, expect, it } from 'vitest';
import { InMemorySessionStore } from '../../src/adapters/memory/in-memory-session-store.js';
import { sessionStoreContract } from './session-store.contract.js';

sessionStoreContract('InMemorySessionStore', async () => {
  const store = new InMemorySessionStore();
  return { store, peer: store, dispose: () => store.close() };
});

describe('InMemorySessionStore with a test clock', () => {
  it('expires presence never refreshed after presenceTtlMs, and refuses use after close', async () => {
    let now = 1_000;
    const store = new InMemorySessionStore({ now: () => now, presenceTtlMs: 100 });
    await store.setPresent('i', { clientId: 'c', userId: 'u' });
    now += 99;
    expect(await store.countClients()).toBe(1);
    now += 1;
    expect(await store.countClients()).toBe(0);
    await store.revoke('s', 10);
    now += 10;
    expect(await store.isRevoked('s')).toBe(false);
    await store.close();
    expect(store.isConnected()).toBe(false);
    await expect(store.isRevoked('s')).rejects.toThrow(/closed/);
  });
});
