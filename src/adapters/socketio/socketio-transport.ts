import type { FastifyInstance } from 'fastify';
import * as fastifySocketIoModule from 'fastify-socket.io';
import type { Server, ServerOptions } from 'socket.io';
import type { ChannelAcceptor } from '../../application/ports.js';
import { SocketIoChannel } from './socketio-channel.js';

declare module 'fastify' {
  interface FastifyInstance {
    io: Server;
  }
}

export interface SocketIoTransportOptions {
  readonly path: string;
  readonly transports: ReadonlyArray<'websocket' | 'polling'>;
  readonly pingIntervalMs: number;
  readonly pingTimeoutMs: number;
  /** Hard transport limit; packets over it close the connection before they are parsed. */
  readonly maxHttpBufferSize: number;
  /** Socket.IO adapter (only needed where something broadcasts between servers). */
  readonly adapter?: ServerOptions['adapter'];
}

// fastify-socket.io is CommonJS with an esModule default export.
const fastifySocketIo = ((fastifySocketIoModule as unknown as { default: { default?: unknown } }).default.default ??
  (fastifySocketIoModule as unknown as { default: unknown }).default) as typeof import('fastify-socket.io').default;

/**
 * The Socket.IO transport (PROTOCOL §1) on a fastify app that is not
 * listening yet: every socket becomes a SocketIoChannel handed to `acceptor`.
 * Upgrades on other paths are left alone (another transport may own them).
 */
export async function registerSocketIoTransport(
  app: FastifyInstance,
  acceptor: ChannelAcceptor,
  options: SocketIoTransportOptions,
): Promise<Server> {
  await app.register(fastifySocketIo, {
    path: options.path,
    transports: [...options.transports],
    pingInterval: options.pingIntervalMs,
    pingTimeout: options.pingTimeoutMs,
    maxHttpBufferSize: options.maxHttpBufferSize,
    serveClient: false,
    destroyUpgrade: false,
    ...(options.adapter ? { adapter: options.adapter } : {}),
  });
  app.io.on('connection', (socket) => acceptor.accept(new SocketIoChannel(socket)));
  return app.io;
}
