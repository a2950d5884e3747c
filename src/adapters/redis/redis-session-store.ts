import type { InstancePresence, PresenceEntry, SessionStore } from '../../application/ports.js';
import { closeRedisClient, isRedisReady, type RedisClient } from './redis-client.js';

export interface RedisSessionStoreOptions {
  /** Owned by the store: close() quits it. */
  readonly client: RedisClient;
  /** Prepended to every key, so several gateways (or test runs) share one Redis. */
  readonly keyPrefix?: string;
  /** Lifetime of an instance's presence until its first refreshInstance. */
  readonly presenceTtlMs?: number;
}

/**
 * SessionStore on Redis. Keys:
 * - `<prefix>revoked:<sid>` = 1, PX ttl;
 * - `<prefix>presence:<instance>`: hash clientId → userId ('' when logged
 *   out), expiring unless its instance keeps refreshing it;
 * - `<prefix>instances`: set of instance names, pruned of expired hashes.
 * Commands are sent one by one (not MULTI) so a Redis Cluster can spread them.
 */
export class RedisSessionStore implements SessionStore {
  private readonly client: RedisClient;
  private readonly prefix: string;
  private readonly presenceTtlMs: number;

  constructor(options: RedisSessionStoreOptions) {
    this.client = options.client;
    this.prefix = options.keyPrefix ?? 'activestack:';
    this.presenceTtlMs = options.presenceTtlMs ?? 30_000;
  }

  async revoke(sid: string, ttlMs: number): Promise<void> {
    assertTtl(ttlMs);
    await this.run('revoke', () => this.client.set(this.revokedKey(sid), '1', 'PX', ttlMs));
  }

  async isRevoked(sid: string): Promise<boolean> {
    const found = await this.run('isRevoked', () => this.client.exists(this.revokedKey(sid)));
    return found === 1;
  }

  async setPresent(instance: string, entry: PresenceEntry): Promise<void> {
    const key = this.presenceKey(instance);
    await this.run('setPresent', async () => {
      await Promise.all([
        this.client.hset(key, entry.clientId, entry.userId ?? ''),
        this.client.sadd(this.instancesKey(), instance),
      ]);
      // A hash without expiry would outlive an instance that dies before its first refresh.
      if ((await this.client.pttl(key)) < 0) await this.client.pexpire(key, this.presenceTtlMs);
    });
  }

  async setAbsent(instance: string, clientId: string): Promise<void> {
    await this.run('setAbsent', () => this.client.hdel(this.presenceKey(instance), clientId));
  }

  async refreshInstance(instance: string, ttlMs: number): Promise<void> {
    assertTtl(ttlMs);
    await this.run('refreshInstance', async () => {
      const alive = await this.client.pexpire(this.presenceKey(instance), ttlMs);
      // Re-listed in case a reader pruned it in the instant its hash was empty.
      if (alive === 1) await this.client.sadd(this.instancesKey(), instance);
    });
  }

  async countClients(): Promise<number> {
    const sizes = await this.overInstances('countClients', (key) => this.client.hlen(key));
    return sizes.reduce((sum, size) => sum + size, 0);
  }

  async loggedInUsers(): Promise<string[]> {
    const values = await this.overInstances('loggedInUsers', (key) => this.client.hvals(key));
    return [...new Set(values.flat().filter((userId) => userId !== ''))];
  }

  async presenceByInstance(): Promise<InstancePresence[]> {
    return this.overInstances('presenceByInstance', async (key, instance) => {
      const userIds = await this.client.hvals(key);
      return { instance, clients: userIds.length, loggedIn: userIds.filter((userId) => userId !== '').length };
    });
  }

  isConnected(): boolean {
    return isRedisReady(this.client);
  }

  async close(): Promise<void> {
    await closeRedisClient(this.client);
  }

  /** Reads every instance hash; instances whose hash expired are dropped from the set. */
  private async overInstances<T>(operation: string, read: (key: string, instance: string) => Promise<T>): Promise<T[]> {
    return this.run(operation, async () => {
      const instances = await this.client.smembers(this.instancesKey());
      const rows = await Promise.all(
        instances.map(async (instance) => {
          const key = this.presenceKey(instance);
          const [exists, value] = await Promise.all([this.client.exists(key), read(key, instance)]);
          return { instance, exists: exists === 1, value };
        }),
      );
      const dead = rows.filter((row) => !row.exists).map((row) => row.instance);
      if (dead.length > 0) await this.client.srem(this.instancesKey(), ...dead);
      return rows.filter((row) => row.exists).map((row) => row.value);
    });
  }

  private async run<T>(operation: string, command: () => Promise<T>): Promise<T> {
    try {
      return await command();
    } catch (err) {
      throw new Error(`session store ${operation} failed: ${(err as Error).message}`, { cause: err });
    }
  }

  private revokedKey(sid: string): string {
    return `${this.prefix}revoked:${sid}`;
  }

  private presenceKey(instance: string): string {
    return `${this.prefix}presence:${instance}`;
  }

  private instancesKey(): string {
    return `${this.prefix}instances`;
  }
}

function assertTtl(ttlMs: number): void {
  if (!Number.isInteger(ttlMs) || ttlMs <= 0) {
    throw new RangeError(`ttlMs must be a positive integer, got ${String(ttlMs)}`);
  }
}
