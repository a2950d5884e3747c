import type { RedisClientOptions, RedisTlsOptions } from '../../adapters/redis/redis-client.js';
import { ConfigError, type GatewayConfig } from '../config/index.js';
import { hostList } from '../config/host-list.js';
import { readPemFile } from '../config/pem-file.js';

/**
 * What a Redis connection is for decides how it waits through an outage:
 * - `store` (revocation, presence) answers a client that is waiting, so its
 *   commands fail fast, as `gateway.redis.max_attempts`/`offline_queue` say;
 * - `control` (operator commands) is nobody's request path: it queues and
 *   waits through reconnects rather than drop an operator's command.
 * Either way no command waits longer than `gateway.redis.commandTimeout`.
 */
export type RedisRole = 'store' | 'control';

/** The one mapping of `gateway.redis.*` to a Redis client. */
export function redisClientOptions(config: GatewayConfig, role: RedisRole, connectionName: string): RedisClientOptions {
  const r = config.gateway.redis;
  const tls = redisTlsOptions(config);
  return {
    host: r.host,
    port: r.port,
    ...(r.username !== '' ? { username: r.username } : {}),
    ...(r.password !== '' ? { password: r.password } : {}),
    maxAttempts: role === 'control' ? Math.max(r.max_attempts, 3) : r.max_attempts,
    offlineQueue: role === 'control' ? true : r.offline_queue,
    ...(r.sentinels.length > 0 ? { sentinels: hostList(r.sentinels, 26379), sentinelName: r.sentinelName } : {}),
    ...(r.sentinelPassword !== '' ? { sentinelPassword: r.sentinelPassword } : {}),
    ...(r.cluster.length > 0 ? { clusterNodes: hostList(r.cluster, 6379) } : {}),
    commandTimeoutMs: r.commandTimeout,
    ...(tls ? { tls } : {}),
    connectionName,
  };
}

/** `gateway.redis.tls` and its files; a file that cannot be read is a ConfigError naming its key. */
export function redisTlsOptions(config: GatewayConfig): RedisTlsOptions | undefined {
  const r = config.gateway.redis;
  if (!r.tls) {
    const stray = (['ca', 'cert', 'key'] as const).find((k) => r[k] !== '');
    if (stray) throw new ConfigError(`gateway.redis.${stray}`, 'is set but gateway.redis.tls is false; set gateway.redis.tls=true');
    return undefined;
  }
  if ((r.cert === '') !== (r.key === '')) {
    throw new ConfigError(r.cert === '' ? 'gateway.redis.cert' : 'gateway.redis.key', 'gateway.redis.cert and gateway.redis.key go together');
  }
  return {
    ...(r.ca !== '' ? { ca: readPemFile('gateway.redis.ca', r.ca) } : {}),
    ...(r.cert !== '' ? { cert: readPemFile('gateway.redis.cert', r.cert), key: readPemFile('gateway.redis.key', r.key) } : {}),
    rejectUnauthorized: r.rejectUnauthorized,
  };
}
