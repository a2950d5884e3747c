import type { DependencyContainer } from 'tsyringe';
import type { Server } from 'socket.io';
import { TOKENS, type Logger } from '../../application/ports.js';
import { HandshakeGuard } from '../../adapters/edge/handshake-guard.js';
import { registerSocketIoTransport } from '../../adapters/socketio/socketio-transport.js';
import { registerWebSocketTransport } from '../../adapters/websocket/websocket-transport.js';
import type { GatewayConfig } from '../config/index.js';
import { corsOrigins, handshakeGuardOptions, socketIoOptions, webSocketOptions } from '../gateway-settings.js';
import { MAIN_TOKENS, type TransportMount } from './tokens.js';

/**
 * Socket.IO always; raw WebSocket unless `frontend.websocket.path` is empty.
 * Same server, same port, and one HandshakeGuard for both, so that the
 * per-address limits count a client's connections on either transport.
 */
export function registerTransports(c: DependencyContainer, config: GatewayConfig): void {
  const mounts: TransportMount[] = [];
  const guardOptions = handshakeGuardOptions(config);
  const cors = corsOrigins(config);
  let guard: HandshakeGuard | undefined;
  const guardFor = (): HandshakeGuard => {
    if (guard) return guard;
    const logger = c.resolve<Logger>(TOKENS.Logger);
    logger.info(
      {
        allowedOrigins: guardOptions.allowedOrigins.length > 0 ? guardOptions.allowedOrigins : 'same origin only',
        perAddress: guardOptions.perAddress,
        perAddressPerSecond: guardOptions.perAddressPerSecond,
        trustProxy: guardOptions.trustedProxies,
      },
      'connection checks',
    );
    return (guard = new HandshakeGuard(guardOptions, logger.child({ component: 'edge' })));
  };
  const socketIo = socketIoOptions(config);
  mounts.push({
    name: 'socket.io',
    mount: async (app, acceptor) => {
      const io = await registerSocketIoTransport(app, acceptor, { ...socketIo, guard: guardFor(), ...(cors ? { corsOrigins: cors } : {}) });
      logRefusedHandshakes(io, c.resolve<Logger>(TOKENS.Logger).child({ component: 'socket.io' }));
    },
  });
  const ws = webSocketOptions(config);
  if (ws) mounts.push({ name: 'websocket', mount: (app, acceptor) => registerWebSocketTransport(app, acceptor, { ...ws, guard: guardFor() }) });
  c.register(MAIN_TOKENS.Transports, { useValue: mounts });
}

/**
 * Engine.IO answers a request it refuses (a transport turned off, an
 * unknown or expired `sid`, a bad handshake) with HTTP 400 and tells
 * nobody: without this line the operator cannot see why a client never
 * connects. Debug, not warn: any client on the internet can cause it.
 */
function logRefusedHandshakes(io: Server, logger: Logger): void {
  io.engine.on('connection_error', (err: { code?: number; message?: string; context?: Record<string, unknown>; req?: { url?: string } }) => {
    // A live `sid` would let a reader of the log poll that session: it is left out, from the url too.
    const { sid: _sid, ...context } = err.context ?? {};
    const transport = /[?&]transport=([a-z]{1,20})/.exec(err.req?.url ?? '')?.[1];
    logger.debug({ code: err.code, reason: err.message, context, transport }, 'Socket.IO connection refused');
  });
}
