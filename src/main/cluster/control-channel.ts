import type { ControlChannel, Logger } from '../../application/ports.js';
import { InMemoryControlChannel, InMemoryControlHub } from '../../adapters/memory/in-memory-control-channel.js';
import { createRedisClient, type RedisEndpoint } from '../../adapters/redis/redis-client.js';
import { RedisControlChannel } from '../../adapters/redis/redis-control-channel.js';
import type { GatewayConfig } from '../config/index.js';

/** One hub per process: in embedded mode the control bus does not leave it. */
const embeddedHub = new InMemoryControlHub();

export function parseEndpoints(list: readonly string[], defaultPort: number): RedisEndpoint[] {
  return list.map((entry) => {
    const i = entry.lastIndexOf(':');
    if (i <= 0 || entry.endsWith(']')) return { host: entry.replace(/^\[|\]$/g, ''), port: defaultPort };
    return { host: entry.slice(0, i).replace(/^\[|\]$/g, ''), port: Number(entry.slice(i + 1)) };
  });
}

/** The control bus the config points at: Redis pub/sub, or in-process when embedded. */
export function createControlChannel(config: GatewayConfig, logger: Logger, connectionName = 'asgw-control'): ControlChannel {
  if (config.frontend.embedded) return new InMemoryControlChannel(embeddedHub);
  const r = config.gateway.redis;
  const client = createRedisClient(
    {
      host: r.host,
      port: r.port,
      ...(r.password !== '' ? { password: r.password } : {}),
      // The control bus is for operators: wait through outages rather than fail fast.
      maxAttempts: Math.max(r.max_attempts, 3),
      offlineQueue: true,
      ...(r.sentinels.length > 0 ? { sentinels: parseEndpoints(r.sentinels, 26379), sentinelName: r.sentinelName } : {}),
      ...(r.cluster.length > 0 ? { clusterNodes: parseEndpoints(r.cluster, 6379) } : {}),
      connectionName,
    },
    logger,
  );
  return new RedisControlChannel({ client, channel: r.gatewaycontrolqueue, logger });
}
