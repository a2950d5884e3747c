import type { Socket } from 'socket.io';
import type { SocketChannel } from '../../application/ports.js';

/**
 * A Socket.IO socket as the application's SocketChannel. The raw size of
 * each incoming packet is read from Engine.IO before Socket.IO decodes it
 * (decoding and dispatch are synchronous, so the size of the last packet
 * belongs to the event being dispatched).
 */
export class SocketIoChannel implements SocketChannel {
  private lastPacketBytes = 0;

  constructor(private readonly socket: Socket) {
    socket.conn.on('packet', (packet: { type: string; data?: unknown }) => {
      if (packet.type === 'message') {
        const data = packet.data;
        this.lastPacketBytes = typeof data === 'string' ? data.length : Buffer.isBuffer(data) ? data.length : 0;
      }
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
      handler(event, args[0], this.lastPacketBytes);
    });
  }

  onClose(handler: (reason: string) => void): void {
    this.socket.on('disconnect', (reason) => handler(reason));
  }
}
