import type { ControlChannel, Logger } from '../../application/ports.js';
import { InMemoryControlChannel, InMemoryControlHub } from '../../adapters/memory/in-memory-control-channel.js';
import { createRedisClient } from '../../adapters/redis/redis-client.js';
import { redisClientOptions } from '../adapter-options/redis.js';
import { RedisControlChannel } from '../../adapters/redis/redis-control-channel.js';
import type { GatewayConfig } from '../config/index.js';

/** One hub per process: in embedded mode the control bus does not leave it. */
const embeddedHub = new InMemoryControlHub();

/** The control bus the config points at: Redis pub/sub, or in-process when embedded. */
export function createControlChannel(config: GatewayConfig, logger: Logger, connectionName = 'asgw-control'): ControlChannel {
  if (config.frontend.embedded) return new InMemoryControlChannel(embeddedHub);
  const client = createRedisClient(redisClientOptions(config, 'control', connectionName), logger);
  return new RedisControlChannel({ client, channel: config.gateway.redis.gatewaycontrolqueue, logger });
}
