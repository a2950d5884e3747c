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
  /** ACL user; the default user when absent. */
  readonly username?: string;
  /** Password of the Sentinel nodes, when they have one. */
  readonly sentinelPassword?: string;
  /**
   * Longest wait for a reply (default 2000 ms). A command not answered by
   * then fails, and a connection on which Redis has sent nothing for that
   * long while a command waits is dropped and made again: a Redis that stops
   * answering without closing (a black hole, a half-open connection to a
   * primary that failed over) never holds a caller, or the connection, for longer.
   * 0 = no timeout (for a user that leaves its command promises unhandled).
   */
  readonly commandTimeoutMs?: number;
  /** TLS (`rediss`) to Redis, and to the Sentinel nodes in Sentinel mode. */
  readonly tls?: RedisTlsOptions;
}

export interface RedisTlsOptions {
  /** Trusted CAs (PEM); the system's when absent. */
  readonly ca?: Buffer;
  /** Client certificate and key (PEM), for a Redis that asks for one (`tls-auth-clients`). */
  readonly cert?: Buffer;
  readonly key?: Buffer;
  /** false accepts a certificate that does not verify: for tests, never production. */
  readonly rejectUnauthorized?: boolean;
}

export const DEFAULT_COMMAND_TIMEOUT_MS = 2_000;

/**
 * A client that never crashes the process: errors are logged, reconnects
 * go on forever with a capped backoff, and commands fail rather than hang.
 */
export function createRedisClient(options: RedisClientOptions, logger: Logger): RedisClient {
  const maxDelay = options.maxReconnectDelayMs ?? 2_000;
  const timeout = options.commandTimeoutMs ?? DEFAULT_COMMAND_TIMEOUT_MS;
  const tls = options.tls ? tlsOptions(options.tls) : undefined;
  const common: RedisOptions = {
    ...(options.username !== undefined ? { username: options.username } : {}),
    ...(options.password !== undefined ? { password: options.password } : {}),
    ...(options.db !== undefined ? { db: options.db } : {}),
    ...(options.connectionName !== undefined ? { connectionName: options.connectionName } : {}),
    ...(tls ? { tls } : {}),
    maxRetriesPerRequest: options.maxAttempts ?? 3,
    enableOfflineQueue: options.offlineQueue ?? true,
    retryStrategy: (times: number) => Math.min(times * 100, maxDelay),
    ...(timeout > 0 ? { commandTimeout: timeout, socketTimeout: timeout } : {}),
    // The TCP connect itself; a connected but silent server is the socketTimeout's.
    connectTimeout: Math.max(timeout, 5_000),
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
      ...(options.sentinelPassword !== undefined ? { sentinelPassword: options.sentinelPassword } : {}),
      ...(tls ? { enableTLSForSentinelMode: true, sentinelTLS: tls } : {}),
      // A Sentinel that stops answering must not hold the master's address look-up.
      ...(timeout > 0 ? { sentinelCommandTimeout: timeout } : {}),
      // Listen for +switch-master on the Sentinels: a failover that leaves the
      // old connection open (the primary's host partitioned, not dead) is
      // followed at once, subscriber connections included.
      failoverDetector: true,
    });
  } else {
    client = new Redis({ ...common, host: options.host, port: options.port });
  }
  watchRedisClient(client, logger);
  return client;
}

function tlsOptions(tls: RedisTlsOptions): NonNullable<RedisOptions['tls']> {
  return {
    ...(tls.ca ? { ca: tls.ca } : {}),
    ...(tls.cert ? { cert: tls.cert } : {}),
    ...(tls.key ? { key: tls.key } : {}),
    rejectUnauthorized: tls.rejectUnauthorized ?? true,
  };
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

/** Quit politely, or disconnect if Redis is not there to answer (or does not answer within quitTimeoutMs). */
export async function closeRedisClient(client: RedisClient, quitTimeoutMs = DEFAULT_COMMAND_TIMEOUT_MS): Promise<void> {
  if (client.status === 'end') return;
  if (client.status !== 'ready') {
    client.disconnect();
    return;
  }
  let timer: NodeJS.Timeout | undefined;
  try {
    await Promise.race([
      client.quit(),
      new Promise((_, reject) => {
        timer = setTimeout(() => reject(new Error('quit not answered')), quitTimeoutMs);
      }),
    ]);
  } catch {
    client.disconnect();
  } finally {
    clearTimeout(timer);
  }
}
