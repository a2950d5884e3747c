/** The raw WebSocket transport (PROTOCOL §7): `activestack-gateway/websocket`. */
export { CLOSE_DO_NOT_RESUME, CLOSE_RESUME, WebSocketChannel } from './websocket-channel.js';
export { registerWebSocketTransport, type WebSocketTransportOptions } from './websocket-transport.js';
// Origin and per-address checks at the handshake; give both transports the same one.
export { HandshakeGuard, type HandshakeGuardOptions } from '../edge/handshake-guard.js';
