/** The Socket.IO transport: `activestack-gateway/socketio`. */
export { SocketIoChannel } from './socketio-channel.js';
export { registerSocketIoTransport, type SocketIoTransportOptions } from './socketio-transport.js';
// Origin and per-address checks at the handshake; give both transports the same one.
export { HandshakeGuard, type HandshakeGuardOptions } from '../edge/handshake-guard.js';
