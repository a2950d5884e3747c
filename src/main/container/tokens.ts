import type { FastifyInstance } from 'fastify';
import type { ChannelAcceptor } from '../../application/ports.js';

/** Tokens only the composition root knows (the ports' tokens live next to the ports). */
export const MAIN_TOKENS = {
  Config: Symbol.for('asgw.Config'),
  Services: Symbol.for('asgw.Services'),
  Transports: Symbol.for('asgw.Transports'),
  /** `() => AmqpStatus` where the bus is RabbitMQ; not registered in embedded mode. */
  BrokerStatus: Symbol.for('asgw.BrokerStatus'),
} as const;

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
