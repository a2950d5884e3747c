import type { Socket } from 'socket.io';
import type { SocketChannel } from '../../application/ports.js';

/**
 * A Socket.IO socket as the application's SocketChannel. The raw size of
 * each incoming event is read from Engine.IO before Socket.IO decodes it.
 * Socket.IO dispatches a decoded event on a later tick, so sizes wait in a
 * FIFO: one entry per EVENT / BINARY_EVENT packet (type digit 2 or 5), each
 * of which becomes exactly one event, in order.
 */
export class SocketIoChannel implements SocketChannel {
  private readonly sizes: number[] = [];

  constructor(private readonly socket: Socket) {
    socket.conn.on('packet', (packet: { type: string; data?: unknown }) => {
      const data = packet.data;
      if (packet.type !== 'message' || typeof data !== 'string') return;
      const kind = data.charCodeAt(0);
      if (kind === 0x32 || kind === 0x35) this.sizes.push(data.length);
    });
  }

  get id(): string {
    return this.socket.id;
  }

  emit(event: string, data: unknown): void {
    if (this.socket.connected) this.socket.emit(event, data);
  }

  disconnect(): void {
    this.socket.disconnect(true);
  }

  onEvent(handler: (event: string, payload: unknown, bytes: number) => void): void {
    this.socket.onAny((event: string, ...args: unknown[]) => {
      handler(event, args[0], this.sizes.shift() ?? 0);
    });
  }

  onClose(handler: (reason: string) => void): void {
    this.socket.on('disconnect', (reason) => handler(reason));
  }
}
