import type { PresenceEntry, RevocationWatcher, SessionStore } from '../../application/ports.js';

export interface InMemorySessionStoreOptions {
  /** Where "now" comes from, so expiry can be driven by a test clock. */
  readonly now?: () => number;
  /**
   * Lifetime of an instance's presence that was never refreshed, so an
   * instance dying before its first refresh does not leave clients behind.
   */
  readonly presenceTtlMs?: number;
}

interface InstancePresence {
  readonly clients: Map<string, string>;
  expiresAt: number;
}

/**
 * The SessionStore of one process, with the Redis adapter's expiry rules:
 * a revocation lives for its ttl, an instance's presence until its last
 * refresh runs out. Share one object between in-process instances.
 */
export class InMemorySessionStore implements SessionStore {
  private readonly revoked = new Map<string, number>();
  private readonly watchers = new Set<RevocationWatcher>();
  private readonly presence = new Map<string, InstancePresence>();
  private readonly now: () => number;
  private readonly presenceTtlMs: number;
  private closed = false;

  constructor(options: InMemorySessionStoreOptions = {}) {
    this.now = options.now ?? Date.now;
    this.presenceTtlMs = options.presenceTtlMs ?? 30_000;
  }

  async revoke(sid: string, ttlMs: number): Promise<void> {
    this.assertOpen();
    assertTtl(ttlMs);
    this.revoked.set(sid, this.now() + ttlMs);
    // Told a moment later, as a subscriber of a real store would be.
    for (const watcher of this.watchers) queueMicrotask(() => watcher.revoked(sid));
  }

  watchRevocations(watcher: RevocationWatcher): () => void {
    this.assertOpen();
    this.watchers.add(watcher);
    queueMicrotask(() => watcher.resync());
    return () => void this.watchers.delete(watcher);
  }

  async isRevoked(sid: string): Promise<boolean> {
    this.assertOpen();
    const expiresAt = this.revoked.get(sid);
    if (expiresAt === undefined) return false;
    if (expiresAt <= this.now()) {
      this.revoked.delete(sid);
      return false;
    }
    return true;
  }

  async setPresent(instance: string, entry: PresenceEntry): Promise<void> {
    this.assertOpen();
    let presence = this.live(instance);
    if (!presence) {
      presence = { clients: new Map(), expiresAt: this.now() + this.presenceTtlMs };
      this.presence.set(instance, presence);
    }
    presence.clients.set(entry.clientId, entry.userId ?? '');
  }

  async setAbsent(instance: string, clientId: string): Promise<void> {
    this.assertOpen();
    this.live(instance)?.clients.delete(clientId);
  }

  async refreshInstance(instance: string, ttlMs: number): Promise<void> {
    this.assertOpen();
    assertTtl(ttlMs);
    const presence = this.live(instance);
    if (presence) presence.expiresAt = this.now() + ttlMs;
  }

  async countClients(): Promise<number> {
    this.assertOpen();
    let count = 0;
    for (const instance of [...this.presence.keys()]) count += this.live(instance)?.clients.size ?? 0;
    return count;
  }

  async loggedInUsers(): Promise<string[]> {
    this.assertOpen();
    const users = new Set<string>();
    for (const instance of [...this.presence.keys()]) {
      for (const userId of this.live(instance)?.clients.values() ?? []) {
        if (userId !== '') users.add(userId);
      }
    }
    return [...users];
  }

  isConnected(): boolean {
    return !this.closed;
  }

  async close(): Promise<void> {
    this.closed = true;
  }

  private live(instance: string): InstancePresence | undefined {
    const presence = this.presence.get(instance);
    if (presence && presence.expiresAt <= this.now()) {
      this.presence.delete(instance);
      return undefined;
    }
    return presence;
  }

  private assertOpen(): void {
    if (this.closed) throw new Error('session store is closed');
  }
}

function assertTtl(ttlMs: number): void {
  if (!Number.isInteger(ttlMs) || ttlMs <= 0) {
    throw new RangeError(`ttlMs must be a positive integer, got ${String(ttlMs)}`);
  }
}
