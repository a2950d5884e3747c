import type { Logger, PresenceEntry, RevocationWatcher, SessionStore } from '../../application/ports.js';
import { PendingRevocations } from './pending-revocations.js';
import { closeRedisClient, isRedisReady, type RedisClient } from './redis-client.js';

export interface RedisSessionStoreOptions {
  /** Owned by the store: close() quits it. */
  readonly client: RedisClient;
  /** Prepended to every key, so several gateways (or test runs) share one Redis. */
  readonly keyPrefix?: string;
  /** Lifetime of an instance's presence until its first refreshInstance. */
  readonly presenceTtlMs?: number;
  /** ms between attempts to write revocations Redis did not take (default 1000; also on every reconnect). */
  readonly revocationRetryMs?: number;
  /** ms between PINGs on the connection that hears revocations (default 10000), so a silent one is noticed. */
  readonly pingIntervalMs?: number;
  readonly logger?: Logger;
}

/**
 * SessionStore on Redis. Keys:
 * - `<prefix>revoked:<sid>` = 1, PX ttl;
 * - `<prefix>presence:<instance>`: hash clientId → userId ('' when logged
 *   out), expiring unless its instance keeps refreshing it;
 * - `<prefix>instances`: set of instance names, pruned of expired hashes.
 * Revocations are also published on channel `<prefix>revoked` (the sid),
 * heard on a duplicate connection made by the first watchRevocations.
 * Commands are sent one by one (not MULTI) so a Redis Cluster can spread them.
 *
 * A revocation Redis does not take is not dropped: revoke() rejects, and
 * the marker is kept (this instance treats the sid as revoked at once) and
 * written again every `revocationRetryMs` and on every reconnect until
 * Redis takes it.
 */
export class RedisSessionStore implements SessionStore {
  private readonly client: RedisClient;
  private readonly prefix: string;
  private readonly presenceTtlMs: number;
  private readonly watchers = new Set<RevocationWatcher>();
  private subscriber: RedisClient | undefined;
  private readonly logger: Logger | undefined;
  private readonly pending: PendingRevocations;
  private readonly retryMs: number;
  private retryTimer: NodeJS.Timeout | undefined;
  private pinger: NodeJS.Timeout | undefined;
  private readonly pingIntervalMs: number;
  private closed = false;

  constructor(options: RedisSessionStoreOptions) {
    this.client = options.client;
    this.prefix = options.keyPrefix ?? 'activestack:';
    this.presenceTtlMs = options.presenceTtlMs ?? 30_000;
    this.logger = options.logger?.child({ component: 'session-store' });
    this.retryMs = options.revocationRetryMs ?? 1_000;
    this.pingIntervalMs = options.pingIntervalMs ?? 10_000;
    this.pending = new PendingRevocations((sid, ttlMs) => this.write(sid, ttlMs));
    this.client.on('ready', () => this.retryPending());
  }

  async revoke(sid: string, ttlMs: number): Promise<void> {
    assertTtl(ttlMs);
    try {
      await this.write(sid, ttlMs);
    } catch (err) {
      this.pending.add(sid, ttlMs);
      this.armRetry();
      // This instance closes its sockets of that login now; the others once Redis takes it.
      for (const w of this.watchers) queueMicrotask(() => w.revoked(sid));
      throw new Error(`session store revoke failed, retried until Redis takes it: ${(err as Error).message}`, { cause: err });
    }
  }

  /** The marker, then the word to every instance (their watchers close that login's sockets). */
  private async write(sid: string, ttlMs: number): Promise<void> {
    await this.client.set(this.revokedKey(sid), '1', 'PX', ttlMs);
    await this.client.publish(this.revokedChannel(), sid);
  }

  watchRevocations(watcher: RevocationWatcher): () => void {
    this.watchers.add(watcher);
    if (!this.subscriber) this.subscriber = this.subscribeToRevocations();
    return () => void this.watchers.delete(watcher);
  }

  /**
   * A subscribed connection can only listen, so revocations are heard on a
   * duplicate. It subscribes whenever it is ready (first connect and every
   * reconnect) and then asks the watchers to re-check: what was published
   * while it was away is lost.
   */
  private subscribeToRevocations(): RedisClient {
    const subscriber = this.client.duplicate();
    // Without an 'error' listener an unreachable Redis would crash the process.
    subscriber.on('error', () => undefined);
    subscriber.on('message', (channel: string, sid: string) => {
      if (channel === this.revokedChannel()) for (const w of this.watchers) w.revoked(sid);
    });
    const subscribe = (): void => {
      subscriber.subscribe(this.revokedChannel()).then(
        () => {
          for (const w of this.watchers) w.resync();
        },
        () => undefined, // retried on the next 'ready'
      );
    };
    subscriber.on('ready', subscribe);
    // A silent Redis would leave the subscription deaf unnoticed: a PING that
    // gets no answer within the command timeout drops and remakes the connection.
    this.pinger = setInterval(() => {
      if (subscriber.status === 'ready') subscriber.ping().catch(() => undefined);
    }, this.pingIntervalMs);
    this.pinger.unref();
    return subscriber;
  }

  async isRevoked(sid: string): Promise<boolean> {
    if (this.pending.has(sid)) return true;
    const found = await this.run('isRevoked', () => this.client.exists(this.revokedKey(sid)));
    return found === 1;
  }

  /** Revocations waiting for Redis to take them. */
  get pendingRevocations(): number {
    return this.pending.size;
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

  isConnected(): boolean {
    return isRedisReady(this.client);
  }

  async close(): Promise<void> {
    this.closed = true;
    this.disarmRetry();
    if (this.pending.size > 0) {
      // One last try, bounded by the command timeout.
      await this.pending.flush().catch(() => undefined);
      if (this.pending.size > 0) {
        this.logger?.error({ count: this.pending.size }, 'closing with revocations Redis never took: those logins stay valid until their keys expire');
      }
    }
    this.watchers.clear();
    if (this.pinger) clearInterval(this.pinger);
    await Promise.all([closeRedisClient(this.client), this.subscriber ? closeRedisClient(this.subscriber) : undefined]);
  }

  private armRetry(): void {
    if (this.retryTimer || this.closed) return;
    this.retryTimer = setInterval(() => this.retryPending(), this.retryMs);
    this.retryTimer.unref();
  }

  private disarmRetry(): void {
    if (this.retryTimer) clearInterval(this.retryTimer);
    this.retryTimer = undefined;
  }

  private retryPending(): void {
    if (this.pending.size === 0 || this.closed) return;
    this.pending.flush().then(
      (written) => {
        // One added while this flush ran waits for the next round.
        if (this.pending.size === 0) this.disarmRetry();
        if (written > 0) this.logger?.info({ count: written }, 'revocations written now that Redis answers');
      },
      (err: unknown) => this.logger?.debug({ err, pending: this.pending.size }, 'revocations still not taken by Redis'),
    );
  }

  /** Reads every instance hash; instances whose hash expired are dropped from the set. */
  private async overInstances<T>(operation: string, read: (key: string) => Promise<T>): Promise<T[]> {
    return this.run(operation, async () => {
      const instances = await this.client.smembers(this.instancesKey());
      const rows = await Promise.all(
        instances.map(async (instance) => {
          const key = this.presenceKey(instance);
          const [exists, value] = await Promise.all([this.client.exists(key), read(key)]);
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

  private revokedChannel(): string {
    return `${this.prefix}revoked`;
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
