import type { Server, Socket } from 'socket.io';
import type { SocketChannel, SocketServer } from '../../application/ports.js';
import { SocketIoChannel } from './socketio-channel.js';

/** Accepts Socket.IO sockets; refuses new ones once draining. */
export class SocketIoServer implements SocketServer {
  private accepting = true;

  constructor(private readonly io: Server) {
    io.use((_socket: Socket, next: (err?: Error) => void) => {
      if (this.accepting) next();
      else next(new Error('gateway is draining, connect to another instance'));
    });
  }

  onConnection(handler: (socket: SocketChannel) => void): void {
    this.io.on('connection', (socket: Socket) => handler(new SocketIoChannel(socket)));
  }

  stopAccepting(): void {
    this.accepting = false;
  }
}
