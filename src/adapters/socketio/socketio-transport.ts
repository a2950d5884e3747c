import type { FastifyInstance } from 'fastify';
import { Server, type ServerOptions } from 'socket.io';
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
  // Socket.IO attached to fastify's server as fastify-socket.io did, without
  // that package: its preinstall script (`npx only-allow pnpm`) made every
  // `npm install activestack-gateway` fail, and it pulled in a second fastify.
  const io = new Server(app.server, {
    path: options.path,
    transports: [...options.transports],
    pingInterval: options.pingIntervalMs,
    pingTimeout: options.pingTimeoutMs,
    maxHttpBufferSize: options.maxHttpBufferSize,
    serveClient: false,
    destroyUpgrade: false,
    ...(options.adapter ? { adapter: options.adapter } : {}),
  });
  app.decorate('io', io);
  // Sockets go before the server closes, so that close() does not wait on them.
  app.addHook('preClose', (done) => {
    io.local.disconnectSockets(true);
    done();
  });
  app.addHook('onClose', (_instance, done) => {
    void io.close();
    done();
  });
  app.io.on('connection', (socket) => acceptor.accept(new SocketIoChannel(socket)));
  return app.io;
}
