/** The Socket.IO transport: `activestack-gateway/socketio`. */
export { SocketIoChannel } from './socketio-channel.js';
export { registerSocketIoTransport, type SocketIoTransportOptions } from './socketio-transport.js';
