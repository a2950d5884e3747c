import { ServerResponse, type IncomingMessage } from 'node:http';
import type { FastifyInstance } from 'fastify';
import { Server, type ServerOptions } from 'socket.io';
import type { ChannelAcceptor } from '../../application/ports.js';
import type { ConnectionLease } from '../edge/connection-limiter.js';
import { writeRefusal, writeUpgradeRefusal, type HandshakeGuard } from '../edge/handshake-guard.js';
import { SocketIoChannel } from './socketio-channel.js';
import { sizeAwareParser } from './size-aware-parser.js';

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
  /**
   * Largest message the gateway accepts (`frontend.maxPayloadBytes`): an
   * event packet over it is never decoded, it reaches the core undecoded and
   * is refused as PAYLOAD_TOO_LARGE (see sizeAwareParser).
   */
  readonly maxPayloadBytes: number;
  /** Hard transport limit; packets over it close the connection before they are parsed. */
  readonly maxHttpBufferSize: number;
  /** Origin and per-address checks on every handshake (none when absent). */
  readonly guard?: HandshakeGuard;
  /**
   * Pages of other origins allowed to use long-polling (CORS); the guard
   * still decides who connects. Absent: no CORS headers.
   */
  readonly corsOrigins?: (origin: string) => boolean;
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
  const corsOrigins = options.corsOrigins;
  // Socket.IO attached to fastify's server as fastify-socket.io did, without
  // that package: its preinstall script (`npx only-allow pnpm`) made every
  // `npm install activestack-gateway` fail, and it pulled in a second fastify.
  const io = new Server(app.server, {
    path: options.path,
    transports: [...options.transports],
    pingInterval: options.pingIntervalMs,
    pingTimeout: options.pingTimeoutMs,
    maxHttpBufferSize: options.maxHttpBufferSize,
    parser: sizeAwareParser(options.maxPayloadBytes),
    serveClient: false,
    destroyUpgrade: false,
    ...(corsOrigins ? { cors: { origin: (origin: string | undefined, cb: (err: Error | null, allow?: boolean) => void) => cb(null, origin !== undefined && corsOrigins(origin)) } } : {}),
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
  if (options.guard) guardHandshakes(app.io, options.guard);
  app.io.on('connection', (socket) => acceptor.accept(new SocketIoChannel(socket)));
  return app.io;
}

/**
 * Every Engine.IO handshake (a request without a session id, polling or
 * WebSocket) passes the guard before Engine.IO looks at it; a refusal is
 * answered with its own status (Engine.IO's allowRequest can only say 403,
 * and 400 on upgrades). The lease follows the Engine.IO connection it
 * became, or is given back when the handshake fails.
 */
function guardHandshakes(io: Server, guard: HandshakeGuard): void {
  const leases = new WeakMap<IncomingMessage, ConnectionLease>();
  const giveBack = (req: IncomingMessage): void => {
    const lease = leases.get(req);
    leases.delete(req);
    lease?.release();
  };
  io.engine.use((req: IncomingMessage, res: ServerResponse, next: (err?: unknown) => void) => {
    if (new URL(req.url ?? '/', 'http://gateway').searchParams.has('sid')) return next();
    const verdict = guard.admit(req, 'socket.io');
    if (!verdict.ok) {
      // The middleware chain is left unsettled: Engine.IO must not answer too.
      if (res instanceof ServerResponse) writeRefusal(res, verdict);
      else writeUpgradeRefusal(req.socket, verdict);
      return;
    }
    leases.set(req, verdict.lease);
    // An upgrade that fails inside ws (bad headers) ends with its socket and no event.
    if (!(res instanceof ServerResponse)) req.socket.once('close', () => giveBack(req));
    next();
  });
  io.engine.on('connection', (socket: { request: IncomingMessage; once(event: 'close', fn: () => void): void }) => {
    const lease = leases.get(socket.request);
    if (!lease) return;
    leases.delete(socket.request);
    socket.once('close', () => lease.release());
  });
  io.engine.on('connection_error', (err: { req: IncomingMessage }) => giveBack(err.req));
}
