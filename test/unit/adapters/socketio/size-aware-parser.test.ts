import { Encoder, PacketType, type Packet } from 'socket.io-parser';
import { describe, expect, it } from 'vitest';
import { sizeAwareParser, UndecodedPayload } from '../../../../src/adapters/socketio/size-aware-parser.js';

const LIMIT = 1000;

function decoder(): { add(obj: unknown): void; decoded: Packet[] } {
  const { Decoder } = sizeAwareParser(LIMIT);
  const d = new Decoder();
  const decoded: Packet[] = [];
  d.on('decoded', (p: Packet) => decoded.push(p));
  return { add: (obj) => d.add(obj), decoded };
}

/** What socket.io-client sends for emit(event, payload). */
function encode(data: unknown[], id?: number): Array<string | Buffer> {
  return new Encoder().encode({ type: PacketType.EVENT, nsp: '/', data, ...(id !== undefined ? { id } : {}) }) as Array<string | Buffer>;
}

describe('sizeAwareParser', () => {
  it('decodes what fits as Socket.IO does', () => {
    const d = decoder();
    for (const part of encode(['testCall', { messageId: 'm', x: 'é'.repeat(100) }], 7)) d.add(part);
    expect(d.decoded).toEqual([{ type: PacketType.EVENT, nsp: '/', id: 7, data: ['testCall', { messageId: 'm', x: 'é'.repeat(100) }] }]);
  });

  it('an EVENT over the limit in bytes is not parsed: a stand-in with event and messageId', () => {
    const d = decoder();
    // About 650 characters but 1,250 bytes: over the limit in bytes only.
    for (const part of encode(['findById', { messageId: 'big', blob: 'é'.repeat(600) }], 3)) d.add(part);
    expect(d.decoded).toHaveLength(1);
    const [packet] = d.decoded;
    expect(packet).toMatchObject({ type: PacketType.EVENT, nsp: '/', id: 3 });
    expect(packet!.data[0]).toBe('findById');
    expect(packet!.data[1]).toBeInstanceOf(UndecodedPayload);
    expect(packet!.data[1]).toEqual(new UndecodedPayload({ event: 'findById', messageId: 'big' }, true));
  });

  it('a binary event: attachments are dropped as they arrive, the stand-in comes after the last', () => {
    const d = decoder();
    const parts = encode(['testCall', { messageId: 'bin', a: Buffer.alloc(5000), b: Buffer.alloc(10) }]);
    expect(parts).toHaveLength(3);
    d.add(parts[0]);
    d.add(parts[1]);
    expect(d.decoded).toEqual([]);
    d.add(parts[2]);
    expect(d.decoded).toHaveLength(1);
    expect(d.decoded[0]!.data[1]).toEqual(new UndecodedPayload({ event: 'testCall', messageId: 'bin' }, false));
    // Back to normal afterwards.
    for (const part of encode(['testCall', {}])) d.add(part);
    expect(d.decoded[1]!.data).toEqual(['testCall', {}]);
  });

  it('drops client acks over the limit and every binary ack; refuses what Socket.IO refuses', () => {
    const d = decoder();
    d.add(`3${'1'}[${JSON.stringify('x'.repeat(2000))}]`);
    d.add('61-1[{"_placeholder":true,"num":0}]');
    d.add(Buffer.alloc(10));
    expect(d.decoded).toEqual([]);
    expect(() => d.add('511-["e",{}]')).toThrow('too many attachments');
    expect(() => decoder().add(Buffer.alloc(1))).toThrow();
    const mid = decoder();
    mid.add('52-["e",{}]');
    expect(() => mid.add('2["e",{}]')).toThrow('got plaintext data when reconstructing a packet');
  });
});
