import 'reflect-metadata';
import { container, instanceCachingFactory, type DependencyContainer } from 'tsyringe';
import { Gateway } from '../../application/gateway.js';
import { TOKENS, type ControlChannel, type Logger, type Metrics } from '../../application/ports.js';
import { SystemClock } from '../../adapters/clock/system-clock.js';
import { PromMetrics } from '../../adapters/metrics/prom-metrics.js';
import type { GatewayConfig } from '../config/index.js';
import { gatewaySettings } from '../gateway-settings.js';
import { registerAdmin } from './admin-registrations.js';
import { registerEmbedded } from './embedded-registrations.js';
import { registerServices } from './service-registrations.js';
import { MAIN_TOKENS } from './tokens.js';
import { registerTransports } from './transport-registrations.js';

export interface ContainerOptions {
  readonly logger: Logger;
  /** Default: a PromMetrics of this process. */
  readonly metrics?: Metrics;
  /** Names this process in presence, control replies and broker/Redis connection names. */
  readonly instance: string;
}

/**
 * The composition root: the one place that reads the configuration and
 * chooses adapters, by registrations. Everything is made on first resolve:
 * a worker resolves the Gateway (and through it the bus and the store), the
 * supervisor and the console only the ControlChannel.
 */
export function createContainer(config: GatewayConfig, options: ContainerOptions): DependencyContainer {
  const c = container.createChildContainer();
  c.register(MAIN_TOKENS.Config, { useValue: config });
  c.register(TOKENS.Logger, { useValue: options.logger });
  c.register(MAIN_TOKENS.ExportedMetrics, { useFactory: instanceCachingFactory(() => options.metrics ?? new PromMetrics()) });
  c.register(TOKENS.Metrics, { useFactory: instanceCachingFactory((r) => r.resolve<Metrics>(MAIN_TOKENS.ExportedMetrics)) });
  c.register(TOKENS.Clock, { useFactory: instanceCachingFactory(() => new SystemClock()) });
  c.register(TOKENS.GatewaySettings, { useValue: gatewaySettings(config, options.instance) });
  if (config.frontend.embedded) registerEmbedded(c);
  else registerServices(c, config, options.instance);
  registerTransports(c, config);
  registerAdmin(c, config, options.instance);
  c.registerSingleton(Gateway);
  return c;
}

/** The control bus the configuration points at, for processes that need nothing else (supervisor, console). */
export function controlChannelFor(config: GatewayConfig, logger: Logger, name: string): ControlChannel {
  return createContainer(config, { logger, instance: name }).resolve<ControlChannel>(TOKENS.ControlChannel);
}
