import type { Socket } from 'socket.io';
import type { CloseReason, InboundMessage, OutboundEvent, SocketChannel } from '../../application/ports.js';
import { UndecodedPayload } from './size-aware-parser.js';

const EVENT = 0x32; // '2'
const BINARY_EVENT = 0x35; // '5'
const BINARY_ACK = 0x36; // '6'
const SLASH = 0x2f; // '/'

/**
 * A Socket.IO socket as a SocketChannel. The size of each incoming event is
 * read from Engine.IO's packets before Socket.IO decodes them: the text
 * packet's bytes plus those of its binary attachments. Socket.IO dispatches
 * a decoded event a tick later, so sizes wait in a FIFO, one entry per
 * EVENT / BINARY_EVENT packet of the default namespace (each becomes
 * exactly one event, in order; packets for other namespaces never reach
 * this socket and are not counted). With the gateway's parser
 * (sizeAwareParser) an event over the limit or with attachments arrives
 * undecoded, as an UndecodedPayload.
 */
export class SocketIoChannel implements SocketChannel {
  readonly transport = 'socket.io';
  private readonly sizes: number[] = [];
  private readonly binaries: boolean[] = [];
  /** Attachments still due for the last packet, and whether they count (a BINARY_EVENT of ours) or not. */
  private attachmentsDue = 0;
  private attachmentsCount = false;

  constructor(private readonly socket: Socket) {
    socket.conn.on('packet', (packet: { type: string; data?: unknown }) => {
      if (packet.type !== 'message') return;
      const data = packet.data;
      if (typeof data === 'string') {
        const kind = data.charCodeAt(0);
        this.attachmentsDue = kind === BINARY_EVENT || kind === BINARY_ACK ? attachmentCount(data) : 0;
        this.attachmentsCount = false;
        if (kind !== EVENT && kind !== BINARY_EVENT) return;
        if (namespaceOf(data) !== '/') return;
        this.sizes.push(Buffer.byteLength(data, 'utf8'));
        this.binaries.push(kind === BINARY_EVENT);
        this.attachmentsCount = kind === BINARY_EVENT;
      } else if (this.attachmentsDue > 0) {
        this.attachmentsDue--;
        if (this.attachmentsCount) this.sizes[this.sizes.length - 1]! += byteLengthOf(data);
      }
    });
  }

  get id(): string {
    return this.socket.id;
  }

  send(event: OutboundEvent, data: unknown): void {
    if (this.socket.connected) this.socket.emit(event, data);
  }

  close(reason: CloseReason, resumable: boolean): void {
    void reason;
    void resumable;
    this.socket.disconnect(true);
  }

  onMessage(handler: (message: InboundMessage) => void): void {
    this.socket.onAny((event: string, ...args: unknown[]) => {
      const bytes = this.sizes.shift() ?? 0;
      const binary = this.binaries.shift() ?? false;
      const payload = args[0];
      if (payload instanceof UndecodedPayload) {
        const { event: name, messageId } = payload.identifiers;
        handler({ event: name, payload: messageId !== undefined ? { messageId } : undefined, bytes, binary, unparsed: payload.oversized });
        return;
      }
      handler({ event, payload, bytes, binary });
    });
  }

  onClose(handler: (cause: string) => void): void {
    this.socket.on('disconnect', (cause) => {
      // A client can send an event named "disconnect"; only a real close counts.
      if (this.socket.connected) return;
      handler(cause);
    });
  }
}

/** The namespace of an encoded Socket.IO packet: `5<n>-/nsp,…` or `2/nsp,…`; `/` when none. */
function namespaceOf(encoded: string): string {
  let i = 1;
  if (encoded.charCodeAt(0) === BINARY_EVENT) {
    while (i < encoded.length && encoded.charCodeAt(i) !== 0x2d /* - */) i++;
    i++;
  }
  if (encoded.charCodeAt(i) !== SLASH) return '/';
  const comma = encoded.indexOf(',', i);
  return comma === -1 ? encoded.slice(i) : encoded.slice(i, comma);
}

/** `5<n>-…` / `6<n>-…`: n, or 0 when malformed (the parser then closes the connection). */
function attachmentCount(encoded: string): number {
  const dash = encoded.indexOf('-');
  const n = dash > 1 && dash < 12 ? Number(encoded.slice(1, dash)) : 0;
  return Number.isInteger(n) && n > 0 ? n : 0;
}

function byteLengthOf(data: unknown): number {
  if (Buffer.isBuffer(data) || data instanceof ArrayBuffer || ArrayBuffer.isView(data)) return (data as ArrayBuffer).byteLength;
  return 0;
}
