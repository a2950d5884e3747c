import type { WebSocket } from 'ws';
import type { CloseReason, InboundMessage, OutboundEvent, SocketChannel } from '../../application/ports.js';
import { PEEK_CHARS, peekWebSocketFrame } from '../edge/peek-identifiers.js';

/** RFC 6455 application close codes of PROTOCOL §7. */
export const CLOSE_RESUME = 4000;
export const CLOSE_DO_NOT_RESUME = 4001;

/**
 * A raw WebSocket as a SocketChannel (PROTOCOL §7): every text frame is one
 * JSON object `{event, data}`, both ways. A frame that is not such an
 * object, or a binary frame, is reported without an event (the gateway
 * answers BAD_REQUEST); its size is the frame's, in bytes. A text frame
 * over `maxPayloadBytes` is not parsed: only its event and messageId are
 * read from its first few KB, for the PAYLOAD_TOO_LARGE it gets.
 */
export class WebSocketChannel implements SocketChannel {
  readonly transport = 'websocket';
  /** Last pong (or open); the transport's heartbeat reads it. */
  lastSeenAt: number;

  constructor(
    readonly id: string,
    private readonly ws: WebSocket,
    now: number,
    private readonly maxPayloadBytes: number,
  ) {
    this.lastSeenAt = now;
    ws.on('pong', () => {
      this.lastSeenAt = Date.now();
    });
  }

  send(event: OutboundEvent, data: unknown): void {
    if (this.ws.readyState !== this.ws.OPEN) return;
    this.ws.send(JSON.stringify(data === undefined ? { event } : { event, data }));
  }

  close(reason: CloseReason, resumable: boolean): void {
    if (this.ws.readyState === this.ws.CLOSING || this.ws.readyState === this.ws.CLOSED) return;
    this.ws.close(resumable ? CLOSE_RESUME : CLOSE_DO_NOT_RESUME, reason);
  }

  /** Closed as gone (no pong): no close handshake to wait for. */
  terminate(): void {
    this.ws.terminate();
  }

  ping(): void {
    if (this.ws.readyState === this.ws.OPEN) this.ws.ping();
  }

  onMessage(handler: (message: InboundMessage) => void): void {
    this.ws.on('message', (raw: Buffer | ArrayBuffer | Buffer[], isBinary: boolean) => {
      const frame = Array.isArray(raw) ? Buffer.concat(raw) : Buffer.isBuffer(raw) ? raw : Buffer.from(raw);
      if (isBinary) {
        handler({ event: undefined, payload: undefined, bytes: frame.length, binary: true });
        return;
      }
      if (frame.length > this.maxPayloadBytes) {
        const { event, messageId } = peekWebSocketFrame(frame.subarray(0, PEEK_CHARS).toString('utf8'));
        handler({ event, payload: messageId !== undefined ? { messageId } : undefined, bytes: frame.length, binary: false, unparsed: true });
        return;
      }
      const decoded = decode(frame);
      handler({ event: decoded?.event, payload: decoded?.data, bytes: frame.length, binary: false });
    });
  }

  onClose(handler: (cause: string) => void): void {
    this.ws.on('close', (code: number) => handler(`websocket close ${code}`));
  }
}

function decode(frame: Buffer): { event: string; data: unknown } | undefined {
  let value: unknown;
  try {
    value = JSON.parse(frame.toString('utf8'));
  } catch {
    return undefined;
  }
  if (value === null || typeof value !== 'object' || Array.isArray(value)) return undefined;
  const { event, data } = value as { event?: unknown; data?: unknown };
  return typeof event === 'string' ? { event, data } : undefined;
}
