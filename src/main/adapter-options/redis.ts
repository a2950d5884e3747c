import type { RedisClientOptions } from '../../adapters/redis/redis-client.js';
import type { GatewayConfig } from '../config/index.js';
import { hostList } from '../config/host-list.js';

/**
 * What a Redis connection is for decides how it waits through an outage:
 * - `store` (revocation, presence) answers a client that is waiting, so its
 *   commands fail fast, as `gateway.redis.max_attempts`/`offline_queue` say;
 * - `control` (operator commands) is nobody's request path: it queues and
 *   waits through reconnects rather than drop an operator's command.
 */
export type RedisRole = 'store' | 'control';

/** The one mapping of `gateway.redis.*` to a Redis client. */
export function redisClientOptions(config: GatewayConfig, role: RedisRole, connectionName: string): RedisClientOptions {
  const r = config.gateway.redis;
  return {
    host: r.host,
    port: r.port,
    ...(r.password !== '' ? { password: r.password } : {}),
    maxAttempts: role === 'control' ? Math.max(r.max_attempts, 3) : r.max_attempts,
    offlineQueue: role === 'control' ? true : r.offline_queue,
    ...(r.sentinels.length > 0 ? { sentinels: hostList(r.sentinels, 26379), sentinelName: r.sentinelName } : {}),
    ...(r.cluster.length > 0 ? { clusterNodes: hostList(r.cluster, 6379) } : {}),
    connectionName,
  };
}
