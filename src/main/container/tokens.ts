import type { FastifyInstance } from 'fastify';
import type { ChannelAcceptor } from '../../application/ports.js';
import type { ConnectionHealth } from '../../application/stats/connection-health.js';

/** Tokens only the composition root knows (the ports' tokens live next to the ports). */
export const MAIN_TOKENS = {
  Config: Symbol.for('asgw.Config'),
  Services: Symbol.for('asgw.Services'),
  Transports: Symbol.for('asgw.Transports'),
  /** `() => AmqpStatus` where the bus is RabbitMQ; not registered in embedded mode. */
  BrokerStatus: Symbol.for('asgw.BrokerStatus'),
  /** The Metrics that /metrics exports (TOKENS.Metrics may fan out to it and the admin page's history). */
  ExportedMetrics: Symbol.for('asgw.ExportedMetrics'),
  /** `() => ConnectionHealth[]`: the backing services as this worker sees them. */
  Health: Symbol.for('asgw.Health'),
} as const;

/** What the admin page reports of the backing services. */
export type HealthReport = () => ConnectionHealth[];

/** What a worker must start before it serves and close after its clients are gone. */
export interface WorkerServices {
  /** Connect what needs connecting (the broker is waited for; the demo agent starts). */
  start(): Promise<void>;
  /** Close in order: demo agent, control channel, session store, message bus. */
  close(): Promise<void>;
}

/** Mounts one transport on the HTTP app, handing its sockets to the gateway. */
export interface TransportMount {
  readonly name: string;
  mount(app: FastifyInstance, acceptor: ChannelAcceptor): Promise<void>;
}
