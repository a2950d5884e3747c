import { instanceCachingFactory, type DependencyContainer } from 'tsyringe';
import { TOKENS, type ControlChannel, type Logger, type SessionStore } from '../../application/ports.js';
import { AmqpMessageBus } from '../../adapters/amqp/amqp-message-bus.js';
import { createRedisClient } from '../../adapters/redis/redis-client.js';
import { RedisControlChannel } from '../../adapters/redis/redis-control-channel.js';
import { RedisSessionStore } from '../../adapters/redis/redis-session-store.js';
import { amqpBusOptions } from '../adapter-options/amqp.js';
import { redisClientOptions } from '../adapter-options/redis.js';
import type { GatewayConfig } from '../config/index.js';
import type { HealthTracker } from '../../application/stats/connection-health.js';
import type { RedisClient } from '../../adapters/redis/redis-client.js';
import { trackRedisHealth } from '../../adapters/redis/redis-health.js';
import { MAIN_TOKENS, type HealthReport, type WorkerServices } from './tokens.js';

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
  // What the admin page shows of each connection, followed from its client's events.
  const health = new Map<symbol, HealthTracker>();
  const tracked = (token: symbol, name: string, client: RedisClient): RedisClient => {
    health.set(token, trackRedisHealth(name, client));
    return client;
  };
  once(TOKENS.SessionStore, (r) => new RedisSessionStore({
    client: tracked(TOKENS.SessionStore, 'Redis (sessions)', createRedisClient(redisClientOptions(config, 'store', `asgw-store-${connectionName}`), logger(r))),
    keyPrefix: config.gateway.redis.keyPrefix,
    presenceTtlMs: config.gateway.presenceTtl,
    logger: logger(r),
  }));
  once(TOKENS.ControlChannel, (r) => new RedisControlChannel({
    client: tracked(TOKENS.ControlChannel, 'Redis (control)', createRedisClient(redisClientOptions(config, 'control', `asgw-control-${connectionName}`), logger(r))),
    channel: config.gateway.redis.gatewaycontrolqueue,
    logger: logger(r),
  }));
  c.register(MAIN_TOKENS.BrokerStatus, {
    useFactory: instanceCachingFactory((r) => {
      const bus = r.resolve<AmqpMessageBus>(TOKENS.MessageBus);
      return () => bus.status();
    }),
  });
  c.register(MAIN_TOKENS.Health, {
    useFactory: instanceCachingFactory((r): HealthReport => () => [
      ...(made.has(TOKENS.MessageBus) ? [r.resolve<AmqpMessageBus>(TOKENS.MessageBus).health()] : []),
      ...[...health.values()].map((h) => h.get()),
    ]),
  });
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
