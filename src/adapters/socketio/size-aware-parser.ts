import { createRequire } from 'node:module';
import type * as SocketIoParser from 'socket.io-parser';
import type { Packet, PacketType as PacketTypeEnum } from 'socket.io-parser';

// The CommonJS build, which Socket.IO itself loads: the ESM one that `import`
// resolves to under Node is the debug build, slower on every packet.
const { Decoder, Encoder, PacketType } = createRequire(import.meta.url)('socket.io-parser') as typeof SocketIoParser;
import { PEEK_CHARS, peekSocketIoEvent, type Identifiers } from '../edge/peek-identifiers.js';

/**
 * Stands in for the payload of an event the gateway did not decode: a text
 * packet over the size limit, or a binary event (always refused). The client
 * cannot forge one: JSON makes no class instances.
 */
export class UndecodedPayload {
  constructor(
    readonly identifiers: Identifiers,
    /** Over the size limit (as opposed to a binary event under it). */
    readonly oversized: boolean,
  ) {}
}

/** Socket.IO's own limit on attachments per packet (socket.io-parser's default). */
const MAX_ATTACHMENTS = 10;

/**
 * Socket.IO's parser (the `parser` server option), except that what the
 * gateway refuses anyway is never decoded (PROTOCOL §6: limits are checked
 * before a message is parsed):
 * - an EVENT packet over `maxPayloadBytes` is not JSON-parsed: it becomes
 *   `[event, UndecodedPayload]` with the event and messageId read from its
 *   first few KB;
 * - a BINARY_EVENT's attachments are counted by the transport and dropped
 *   as they arrive, never reassembled: the event becomes
 *   `[event, UndecodedPayload]` once its last attachment is in;
 * - an ACK over the limit and every BINARY_ACK (the gateway never asks
 *   clients for acks) are dropped.
 * Everything else, and every packet the gateway sends, is socket.io-parser's.
 */
export function sizeAwareParser(maxPayloadBytes: number): { Encoder: typeof Encoder; Decoder: typeof Decoder } {
  class SizeAwareDecoder extends Decoder {
    /** Attachments still to drop, and the stand-in to emit after the last (none for a BINARY_ACK). */
    private dropping = 0;
    private afterDrop: Packet | undefined;

    override add(obj: unknown): void {
      if (typeof obj !== 'string') {
        if (this.dropping === 0) return super.add(obj);
        if (--this.dropping === 0 && this.afterDrop) {
          const packet = this.afterDrop;
          this.afterDrop = undefined;
          this.emitReserved('decoded', packet);
        }
        return;
      }
      if (this.dropping > 0) throw new Error('got plaintext data when reconstructing a packet');
      const type = obj.charCodeAt(0) - 0x30;
      if (type === PacketType.BINARY_EVENT || type === PacketType.BINARY_ACK) return this.startDropping(obj, type);
      if ((type === PacketType.EVENT || type === PacketType.ACK) && isOver(obj, maxPayloadBytes)) {
        if (type === PacketType.EVENT) this.emitReserved('decoded', standIn(obj, header(obj, 1), true));
        return;
      }
      super.add(obj);
    }

    override destroy(): void {
      this.dropping = 0;
      this.afterDrop = undefined;
      super.destroy();
    }

    private startDropping(obj: string, type: PacketTypeEnum): void {
      const dash = obj.indexOf('-');
      const count = Number(obj.slice(1, dash));
      if (dash < 2 || !Number.isInteger(count) || count < 1) throw new Error('Illegal attachments');
      if (count > MAX_ATTACHMENTS) throw new Error('too many attachments');
      this.dropping = count;
      this.afterDrop = type === PacketType.BINARY_EVENT ? standIn(obj, header(obj, dash + 1), isOver(obj, maxPayloadBytes)) : undefined;
    }
  }
  return { Encoder, Decoder: SizeAwareDecoder };
}

/** Bytes over the limit, without measuring what plainly is or is not (a UTF-16 unit is 1 to 3 UTF-8 bytes). */
function isOver(text: string, limit: number): boolean {
  if (text.length > limit) return true;
  if (text.length * 3 <= limit) return false;
  return Buffer.byteLength(text, 'utf8') > limit;
}

interface Header {
  readonly nsp: string;
  readonly id: number | undefined;
  /** Where the JSON starts. */
  readonly json: number;
}

/** `[/nsp,][id]` from `from` on, as socket.io-parser reads them. */
function header(packet: string, from: number): Header {
  let i = from;
  let nsp = '/';
  if (packet.charCodeAt(i) === 0x2f) {
    const comma = packet.indexOf(',', i);
    const end = comma === -1 ? packet.length : comma;
    nsp = packet.slice(i, end);
    i = end + 1;
  }
  const digits = i;
  while (i < packet.length && i - digits < 16 && isDigit(packet.charCodeAt(i))) i++;
  return { nsp, id: i > digits ? Number(packet.slice(digits, i)) : undefined, json: i };
}

function isDigit(ch: number): boolean {
  return ch >= 0x30 && ch <= 0x39;
}

const RESERVED = new Set(['connect', 'connect_error', 'disconnect', 'disconnecting', 'newListener', 'removeListener']);

function standIn(packet: string, h: Header, oversized: boolean): Packet {
  const identifiers = peekSocketIoEvent(packet.slice(h.json, h.json + PEEK_CHARS));
  // The name Socket.IO dispatches under; the channel takes the real one from the stand-in.
  const name = identifiers.event !== undefined && !RESERVED.has(identifiers.event) ? identifiers.event : '';
  return {
    type: PacketType.EVENT,
    nsp: h.nsp,
    ...(h.id !== undefined ? { id: h.id } : {}),
    data: [name, new UndecodedPayload(identifiers, oversized)],
  };
}
