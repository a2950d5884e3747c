import { Cluster, Redis, type RedisOptions } from 'ioredis';
import type { Logger } from '../../application/ports.js';

export type RedisClient = Redis | Cluster;

export interface RedisEndpoint {
  readonly host: string;
  readonly port: number;
}

/** How to reach Redis; the composition root maps `gateway.redis.*` to it. */
export interface RedisClientOptions {
  readonly host: string;
  readonly port: number;
  readonly password?: string;
  readonly db?: number;
  /**
   * How many reconnects a command waits through before it fails, so a
   * caller gets an error instead of hanging while Redis is down.
   */
  readonly maxAttempts?: number;
  /** Queue commands while disconnected (they then wait up to maxAttempts reconnects). */
  readonly offlineQueue?: boolean;
  /** Sentinel mode when both are given: `host`/`port` are then ignored. */
  readonly sentinels?: readonly RedisEndpoint[];
  readonly sentinelName?: string;
  /** Cluster mode when given: `host`/`port` are then ignored. */
  readonly clusterNodes?: readonly RedisEndpoint[];
  /** Longest pause between reconnect attempts. */
  readonly maxReconnectDelayMs?: number;
  readonly connectionName?: string;
}

/**
 * A client that never crashes the process: errors are logged, reconnects
 * go on forever with a capped backoff, and commands fail rather than hang.
 */
export function createRedisClient(options: RedisClientOptions, logger: Logger): RedisClient {
  const maxDelay = options.maxReconnectDelayMs ?? 2_000;
  const common: RedisOptions = {
    ...(options.password !== undefined ? { password: options.password } : {}),
    ...(options.db !== undefined ? { db: options.db } : {}),
    ...(options.connectionName !== undefined ? { connectionName: options.connectionName } : {}),
    maxRetriesPerRequest: options.maxAttempts ?? 3,
    enableOfflineQueue: options.offlineQueue ?? true,
    retryStrategy: (times: number) => Math.min(times * 100, maxDelay),
  };
  let client: RedisClient;
  if (options.clusterNodes && options.clusterNodes.length > 0) {
    client = new Cluster(
      options.clusterNodes.map((node) => ({ host: node.host, port: node.port })),
      {
        redisOptions: common,
        enableOfflineQueue: common.enableOfflineQueue ?? true,
        clusterRetryStrategy: (times: number) => Math.min(times * 100, maxDelay),
      },
    );
  } else if (options.sentinels && options.sentinels.length > 0 && options.sentinelName) {
    client = new Redis({
      ...common,
      sentinels: options.sentinels.map((node) => ({ host: node.host, port: node.port })),
      name: options.sentinelName,
    });
  } else {
    client = new Redis({ ...common, host: options.host, port: options.port });
  }
  watchRedisClient(client, logger);
  return client;
}

/** Without an 'error' listener an unreachable Redis would crash the process. */
export function watchRedisClient(client: RedisClient, logger: Logger): void {
  let down = false;
  client.on('error', (err: Error) => {
    // One warning per outage, not one per reconnect attempt.
    if (down) logger.debug({ err }, 'redis error');
    else logger.warn({ err }, 'redis error');
    down = true;
  });
  client.on('ready', () => {
    if (down) logger.info('redis connection restored');
    down = false;
  });
}

export function isRedisReady(client: RedisClient): boolean {
  return client.status === 'ready';
}

/** Quit politely, or disconnect if Redis is not there to answer. */
export async function closeRedisClient(client: RedisClient): Promise<void> {
  if (client.status === 'end') return;
  if (client.status !== 'ready') {
    client.disconnect();
    return;
  }
  try {
    await client.quit();
  } catch {
    client.disconnect();
  }
}
