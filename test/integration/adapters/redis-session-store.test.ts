import { randomUUID } from 'node:crypto';
import { createServer } from 'node:net';
import { Redis } from 'ioredis';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createRedisClient } from '../../../src/adapters/redis/redis-client.js';
import { RedisSessionStore } from '../../../src/adapters/redis/redis-session-store.js';
import { sessionStoreContract } from '../../contract/session-store.contract.js';
import { BlackholeProxy } from '../../support/blackhole-proxy.js';
import { recordingLogger } from '../../contract/recording-logger.js';
import { REDIS_HOST, REDIS_PORT, requireRedis } from '../../support/services.js';

const run = randomUUID().slice(0, 8);
let admin: Redis;
let counter = 0;

beforeAll(async () => {
  await requireRedis();
  admin = new Redis({ host: REDIS_HOST, port: REDIS_PORT });
});

afterAll(async () => {
  const keys = await admin.keys(`test:${run}:*`);
  if (keys.length > 0) await admin.del(...keys);
  await admin.quit();
});

function newStore(keyPrefix: string): RedisSessionStore {
  const client = createRedisClient({ host: REDIS_HOST, port: REDIS_PORT }, recordingLogger());
  return new RedisSessionStore({ client, keyPrefix });
}

async function ready(store: RedisSessionStore): Promise<void> {
  while (!store.isConnected()) await new Promise((resolve) => setTimeout(resolve, 5));
}

sessionStoreContract('RedisSessionStore', async () => {
  const prefix = `test:${run}:${++counter}:`;
  const store = newStore(prefix);
  const peer = newStore(prefix);
  await Promise.all([ready(store), ready(peer)]);
  return {
    store,
    peer,
    dispose: async () => {
      await Promise.all([store.close(), peer.close()]);
    },
  };
});

/** A port nothing listens on: bind port 0, note it, close it. */
async function deadPort(): Promise<number> {
  const server = createServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as { port: number };
  await new Promise((resolve) => server.close(resolve));
  return port;
}

describe('RedisSessionStore specifics', () => {
  it('keeps the documented key layout', async () => {
    const prefix = `test:${run}:layout:`;
    const store = newStore(prefix);
    try {
      await store.revoke('sid', 60_000);
      await store.setPresent('inst', { clientId: 'c1', userId: 'u1' });
      await store.setPresent('inst', { clientId: 'c2' });
      await store.refreshInstance('inst', 60_000);
      expect(await admin.get(`${prefix}revoked:sid`)).toBe('1');
      expect(await admin.pttl(`${prefix}revoked:sid`)).toBeGreaterThan(0);
      expect(await admin.hgetall(`${prefix}presence:inst`)).toEqual({ c1: 'u1', c2: '' });
      expect(await admin.pttl(`${prefix}presence:inst`)).toBeGreaterThan(0);
      expect(await admin.smembers(`${prefix}instances`)).toEqual(['inst']);
    } finally {
      await store.close();
    }
  });

  it('stays up when Redis is unreachable: not connected, and commands fail with a cause', async () => {
    const logger = recordingLogger();
    const client = createRedisClient({ host: '127.0.0.1', port: await deadPort(), maxAttempts: 1 }, logger);
    const store = new RedisSessionStore({ client });
    try {
      expect(store.isConnected()).toBe(false);
      const error = (await store.isRevoked('sid').catch((e: unknown) => e)) as Error;
      expect(error.message).toMatch(/session store isRevoked failed/);
      expect(error.cause).toBeDefined();
      expect(logger.records.some((r) => r.level === 'warn' && r.msg === 'redis error')).toBe(true);
    } finally {
      await store.close();
    }
  });

  it('reconnects after its connection is killed', async () => {
    const store = newStore(`test:${run}:reconnect:`);
    const client = (store as unknown as { client: Redis }).client;
    try {
      await ready(store);
      const id = await client.client('ID');
      await admin.client('KILL', 'ID', String(id));
      await store.revoke('after-kill', 60_000);
      expect(await store.isRevoked('after-kill')).toBe(true);
      expect(await client.client('ID')).not.toBe(id);
    } finally {
      await store.close();
    }
  });

  it('fails a command Redis does not answer after commandTimeoutMs, drops the silent connection and makes a new one', async () => {
    const proxy = await BlackholeProxy.start({ host: REDIS_HOST, port: REDIS_PORT });
    const client = createRedisClient({ host: '127.0.0.1', port: proxy.port, maxAttempts: 1, offlineQueue: false, commandTimeoutMs: 300 }, recordingLogger());
    const store = new RedisSessionStore({ client, keyPrefix: `test:${run}:silent:` });
    try {
      await ready(store);
      proxy.blackhole();
      const error = (await store.isRevoked('sid').catch((e: unknown) => e)) as Error;
      expect(error.message).toMatch(/session store isRevoked failed: Command timed out/);
      // Nothing came back on it: the connection is dropped, so the store reports itself down.
      while (store.isConnected()) await new Promise((resolve) => setTimeout(resolve, 10));
      proxy.forward();
      await ready(store);
      expect(await store.isRevoked('sid')).toBe(false);
    } finally {
      await store.close();
      await proxy.close();
    }
  });

  it('keeps a revocation Redis did not take: refused here at once, written once Redis answers', async () => {
    const prefix = `test:${run}:pending:`;
    const proxy = await BlackholeProxy.start({ host: REDIS_HOST, port: REDIS_PORT });
    const client = createRedisClient({ host: '127.0.0.1', port: proxy.port, maxAttempts: 1, offlineQueue: false, commandTimeoutMs: 300 }, recordingLogger());
    const store = new RedisSessionStore({ client, keyPrefix: prefix, revocationRetryMs: 50 });
    const peer = newStore(prefix);
    try {
      await Promise.all([ready(store), ready(peer)]);
      proxy.blackhole();
      await expect(store.revoke('sid-out', 60_000)).rejects.toThrow(/retried until Redis takes it/);
      expect(store.pendingRevocations).toBe(1);
      expect(await store.isRevoked('sid-out')).toBe(true);
      expect(await peer.isRevoked('sid-out')).toBe(false);
      proxy.forward();
      while (store.pendingRevocations > 0) await new Promise((resolve) => setTimeout(resolve, 10));
      expect(await peer.isRevoked('sid-out')).toBe(true);
      const ttl = await admin.pttl(`${prefix}revoked:sid-out`);
      expect(ttl).toBeGreaterThan(0);
      expect(ttl).toBeLessThanOrEqual(60_000);
    } finally {
      await Promise.all([store.close(), peer.close()]);
      await proxy.close();
    }
  });
});

describe('RedisSessionStore revocation watching across a lost subscription', () => {
  it('subscribes again after its connection is killed and asks the watchers to re-check', async () => {
    const prefix = `test:${run}:watch:`;
    const name = `asgw-watch-test-${run}`;
    const store = new RedisSessionStore({
      client: createRedisClient({ host: REDIS_HOST, port: REDIS_PORT, connectionName: name }, recordingLogger()),
      keyPrefix: prefix,
    });
    const peer = newStore(prefix);
    try {
      const heard: string[] = [];
      let resyncs = 0;
      store.watchRevocations({ revoked: (sid) => heard.push(sid), resync: () => resyncs++ });
      while (resyncs === 0) await new Promise((r) => setTimeout(r, 10));
      // Kill only this store's subscriber connection (by its name, in pub/sub mode).
      const list = (await admin.client('LIST')) as string;
      const ids = list.split('\n').filter((l) => l.includes(`name=${name}`) && /flags=P/.test(l)).map((l) => /id=(\d+)/.exec(l)![1]!);
      expect(ids).toHaveLength(1);
      await admin.client('KILL', 'ID', ids[0]!);
      while (resyncs < 2) await new Promise((r) => setTimeout(r, 10));
      await peer.revoke('after-reconnect', 60_000);
      while (!heard.includes('after-reconnect')) await new Promise((r) => setTimeout(r, 10));
      expect(resyncs).toBe(2);
    } finally {
      await Promise.all([store.close(), peer.close()]);
    }
  });
});
