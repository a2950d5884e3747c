import { Gateway } from '../application/gateway.js';
import type { GatewaySettings } from '../application/gateway-settings.js';
import type { Clock, Logger, MessageBus, Metrics, SessionStore } from '../application/ports.js';
import { SystemClock } from '../adapters/clock/system-clock.js';
import { SilentLogger } from '../adapters/logging/silent-logger.js';
import { NoMetrics } from '../adapters/metrics/no-metrics.js';

export interface CreateGatewayOptions {
  /** Reaches the agents: `AmqpMessageBus` (activestack-gateway/amqp) or `InMemoryMessageBus` (…/memory). */
  readonly bus: MessageBus;
  /** Revocation and presence: `RedisSessionStore` (…/redis) or `InMemorySessionStore` (…/memory). */
  readonly store: SessionStore;
  /** Default: wall-clock time and real timers. `ManualClock` (…/memory) for tests. */
  readonly clock?: Clock;
  /** Default: silent. Any pino-like logger fits. */
  readonly logger?: Logger;
  /** Default: nothing counted. */
  readonly metrics?: Metrics;
  /** Only `secret` is required: 32 characters or more, the same on every gateway that may resume a client. */
  readonly options: GatewaySettings;
}

/** PROTOCOL §4: a shorter secret is refused, as the service refuses it. */
const MIN_SECRET_LENGTH = 32;

/**
 * The gateway core for a transport of your own: hand each new connection
 * to `accept` as a `SocketChannel`, and the protocol (sessions, keys,
 * limits, delivery, close reasons) is the gateway's. The bus and the store
 * stay yours: `close()` ends the clients, not them.
 */
export function createGateway(options: CreateGatewayOptions): Gateway {
  const secret: unknown = options.options?.secret;
  if (typeof secret !== 'string' || secret.length < MIN_SECRET_LENGTH) {
    throw new RangeError(`createGateway: options.secret must be a string of at least ${MIN_SECRET_LENGTH} characters (it seals the reconnect keys)`);
  }
  return new Gateway(
    options.bus,
    options.store,
    options.clock ?? new SystemClock(),
    options.logger ?? new SilentLogger(),
    options.metrics ?? new NoMetrics(),
    options.options,
  );
}
