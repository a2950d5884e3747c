import { instanceCachingFactory, type DependencyContainer } from 'tsyringe';
import { TOKENS, type ControlChannel, type Logger, type SessionStore } from '../../application/ports.js';
import { AmqpMessageBus } from '../../adapters/amqp/amqp-message-bus.js';
import { createRedisClient } from '../../adapters/redis/redis-client.js';
import { RedisControlChannel } from '../../adapters/redis/redis-control-channel.js';
import { RedisSessionStore } from '../../adapters/redis/redis-session-store.js';
import { amqpBusOptions } from '../adapter-options/amqp.js';
import { redisClientOptions } from '../adapter-options/redis.js';
import type { GatewayConfig } from '../config/index.js';
import { MAIN_TOKENS, type WorkerServices } from './tokens.js';

/**
 * Production: RabbitMQ for the bus, Redis for the session store and the
 * control bus. Each is made on first use, so a process that only needs the
 * control channel (supervisor, console) connects to nothing else.
 */
export function registerServices(c: DependencyContainer, config: GatewayConfig, connectionName: string): void {
  const made = new Set<symbol>();
  const once = <T>(token: symbol, make: (r: DependencyContainer) => T): void => {
    c.register(token, {
      useFactory: instanceCachingFactory((r) => {
        made.add(token);
        return make(r);
      }),
    });
  };
  const logger = (r: DependencyContainer): Logger => r.resolve<Logger>(TOKENS.Logger);

  once(TOKENS.MessageBus, (r) => new AmqpMessageBus(amqpBusOptions(config, `activestack-gateway pid ${process.pid}`), logger(r)));
  once(TOKENS.SessionStore, (r) => new RedisSessionStore({
    client: createRedisClient(redisClientOptions(config, 'store', `asgw-store-${connectionName}`), logger(r)),
    keyPrefix: config.gateway.redis.keyPrefix,
    presenceTtlMs: config.gateway.presenceTtl,
    logger: logger(r),
  }));
  once(TOKENS.ControlChannel, (r) => new RedisControlChannel({
    client: createRedisClient(redisClientOptions(config, 'control', `asgw-control-${connectionName}`), logger(r)),
    channel: config.gateway.redis.gatewaycontrolqueue,
    logger: logger(r),
  }));
  c.register(MAIN_TOKENS.Services, {
    useFactory: instanceCachingFactory((r): WorkerServices => ({
      start: () => r.resolve<AmqpMessageBus>(TOKENS.MessageBus).start(),
      close: async () => {
        if (made.has(TOKENS.ControlChannel)) await r.resolve<ControlChannel>(TOKENS.ControlChannel).close();
        if (made.has(TOKENS.SessionStore)) await r.resolve<SessionStore>(TOKENS.SessionStore).close();
        if (made.has(TOKENS.MessageBus)) await r.resolve<AmqpMessageBus>(TOKENS.MessageBus).close();
      },
    })),
  });
}
