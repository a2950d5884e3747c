import { instanceCachingFactory, type DependencyContainer } from 'tsyringe';
import { TOKENS, type ControlChannel, type Logger, type Metrics } from '../../application/ports.js';
import { FanOutMetrics } from '../../application/stats/fan-out-metrics.js';
import { StatsCollector } from '../../application/stats/stats-collector.js';
import { InMemoryControlChannel, InMemoryControlHub } from '../../adapters/memory/in-memory-control-channel.js';
import { createRedisClient } from '../../adapters/redis/redis-client.js';
import { RedisControlChannel } from '../../adapters/redis/redis-control-channel.js';
import { redisClientOptions } from '../adapter-options/redis.js';
import type { GatewayConfig } from '../config/index.js';
import { MAIN_TOKENS } from './tokens.js';

export const ADMIN_TOKENS = {
  /** The worker's StatsCollector: the short history the admin page charts. */
  Stats: Symbol.for('asgw.admin.Stats'),
  /** The admin bus: a ControlChannel of its own for `stats` requests, so consoles never see them. */
  AdminBus: Symbol.for('asgw.admin.AdminBus'),
} as const;

/** In embedded mode the admin bus stays in the process, like the control channel. */
const embeddedAdminHub = new InMemoryControlHub();

/** The admin bus of a control channel `gateway` is `gateway.admin` (replies on `gateway.admin.replies`). */
export const adminBusChannel = (config: GatewayConfig): string => `${config.gateway.redis.gatewaycontrolqueue}.admin`;

/**
 * With frontend.admin.enabled: every count also goes to a StatsCollector,
 * and the admin bus is there to be resolved. Without, nothing changes.
 */
export function registerAdmin(c: DependencyContainer, config: GatewayConfig, connectionName: string): void {
  if (!config.frontend.admin.enabled) return;
  c.register(ADMIN_TOKENS.Stats, { useFactory: instanceCachingFactory(() => new StatsCollector(Date.now())) });
  c.register(TOKENS.Metrics, {
    useFactory: instanceCachingFactory((r) => new FanOutMetrics([r.resolve<Metrics>(MAIN_TOKENS.ExportedMetrics), r.resolve<StatsCollector>(ADMIN_TOKENS.Stats)])),
  });
  c.register(ADMIN_TOKENS.AdminBus, {
    useFactory: instanceCachingFactory((r): ControlChannel => {
      if (config.frontend.embedded) return new InMemoryControlChannel(embeddedAdminHub);
      const logger = r.resolve<Logger>(TOKENS.Logger);
      return new RedisControlChannel({
        client: createRedisClient(redisClientOptions(config, 'control', `asgw-admin-${connectionName}`), logger),
        channel: adminBusChannel(config),
        logger,
      });
    }),
  });
}
