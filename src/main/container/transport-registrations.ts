import type { DependencyContainer } from 'tsyringe';
import { registerSocketIoTransport } from '../../adapters/socketio/socketio-transport.js';
import { registerWebSocketTransport } from '../../adapters/websocket/websocket-transport.js';
import type { GatewayConfig } from '../config/index.js';
import { socketIoOptions, webSocketOptions } from '../gateway-settings.js';
import { MAIN_TOKENS, type TransportMount } from './tokens.js';

/** Socket.IO always; raw WebSocket unless `frontend.websocket.path` is empty. Same server, same port. */
export function registerTransports(c: DependencyContainer, config: GatewayConfig): void {
  const mounts: TransportMount[] = [];
  const socketIo = socketIoOptions(config);
  mounts.push({ name: 'socket.io', mount: async (app, acceptor) => void (await registerSocketIoTransport(app, acceptor, socketIo)) });
  const ws = webSocketOptions(config);
  if (ws) mounts.push({ name: 'websocket', mount: (app, acceptor) => registerWebSocketTransport(app, acceptor, ws) });
  c.register(MAIN_TOKENS.Transports, { useValue: mounts });
}
