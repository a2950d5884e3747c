import 'reflect-metadata';
import fastify, { type FastifyInstance, type FastifyServerOptions } from 'fastify';
import * as fastifySocketIoModule from 'fastify-socket.io';
import type { Server, ServerOptions } from 'socket.io';
import { container } from 'tsyringe';
import { Gateway, type GatewayOptions } from '../application/gateway.js';
import {
  TOKENS,
  type Clock,
  type Logger,
  type MessageBus,
  type Metrics,
  type SessionStore,
} from '../application/ports.js';
import { SocketIoServer } from '../adapters/socketio/socketio-server.js';

declare module 'fastify' {
  interface FastifyInstance {
    io: Server;
  }
}

export interface GatewayPorts {
  readonly bus: MessageBus;
  readonly store: SessionStore;
  readonly clock: Clock;
  readonly logger: Logger;
  readonly metrics: Metrics;
}

export interface SocketIoOptions {
  readonly path: string;
  readonly transports: ReadonlyArray<'websocket' | 'polling'>;
  readonly pingIntervalMs: number;
  readonly pingTimeoutMs: number;
  /** Hard transport limit; packets over it close the connection. */
  readonly maxHttpBufferSize: number;
  /** Socket.IO adapter factory (Redis adapter for several instances). */
  readonly adapter?: ServerOptions['adapter'];
}

export interface BuiltGateway {
  readonly app: FastifyInstance;
  readonly gateway: Gateway;
  readonly sockets: SocketIoServer;
}

// fastify-socket.io is CommonJS with an esModule default export.
const fastifySocketIo = ((fastifySocketIoModule as unknown as { default: { default?: unknown } }).default.default ??
  (fastifySocketIoModule as unknown as { default: unknown }).default) as typeof import('fastify-socket.io').default;

/**
 * Builds a gateway on fastify + Socket.IO from its ports. Returns an app
 * that is not listening yet: the caller mounts more routes and listens.
 */
export async function buildGateway(
  ports: GatewayPorts,
  options: GatewayOptions,
  socketIo: SocketIoOptions,
  http: { https?: { key: Buffer; cert: Buffer; ca?: Buffer } } = {},
): Promise<BuiltGateway> {
  const app = fastify({ logger: false, ...(http.https ? { https: http.https } : {}) } as FastifyServerOptions);
  await app.register(fastifySocketIo, {
    path: socketIo.path,
    transports: [...socketIo.transports],
    pingInterval: socketIo.pingIntervalMs,
    pingTimeout: socketIo.pingTimeoutMs,
    maxHttpBufferSize: socketIo.maxHttpBufferSize,
    serveClient: false,
    ...(socketIo.adapter ? { adapter: socketIo.adapter } : {}),
  });

  const scope = container.createChildContainer();
  scope.register(TOKENS.MessageBus, { useValue: ports.bus });
  scope.register(TOKENS.SessionStore, { useValue: ports.store });
  scope.register(TOKENS.Clock, { useValue: ports.clock });
  scope.register(TOKENS.Logger, { useValue: ports.logger });
  scope.register(TOKENS.Metrics, { useValue: ports.metrics });
  scope.register(TOKENS.GatewayOptions, { useValue: options });
  const gateway = scope.resolve(Gateway);

  const sockets = new SocketIoServer(app.io);
  gateway.attach(sockets);
  return { app, gateway, sockets };
}
