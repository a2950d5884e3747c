import { describe, expect, it } from 'vitest';
import { PEEK_CHARS, peekSocketIoEvent, peekWebSocketFrame } from '../../../../src/adapters/edge/peek-identifiers.js';

const big = 'x'.repeat(PEEK_CHARS * 4);

describe('peekSocketIoEvent (the JSON of an EVENT packet too large to parse)', () => {
  it('reads the event and a messageId that comes before the large value', () => {
    expect(peekSocketIoEvent(JSON.stringify(['testCall', { messageId: 'm-1', blob: big }]))).toEqual({ event: 'testCall', messageId: 'm-1' });
  });

  it('steps over values of every kind to find messageId, escapes included', () => {
    const payload = { a: 'q"u\\"o\\\\', b: [1, { c: ']}' }, [[]]], d: null, e: -1.5e3, f: true, g: {}, messageId: 'é "x"' };
    expect(peekSocketIoEvent(` [ "ev\\"ent" , ${JSON.stringify(payload)}, ${JSON.stringify(big)}]`)).toEqual({ event: 'ev"ent', messageId: 'é "x"' });
  });

  it('gives the event alone when messageId comes after the window, or is not a string, or the payload is not an object', () => {
    expect(peekSocketIoEvent(JSON.stringify(['testCall', { blob: big, messageId: 'late' }]))).toEqual({ event: 'testCall' });
    expect(peekSocketIoEvent(JSON.stringify(['testCall', { messageId: 7, blob: big }]))).toEqual({ event: 'testCall' });
    expect(peekSocketIoEvent(JSON.stringify(['testCall', [big]]))).toEqual({ event: 'testCall' });
  });

  it('gives nothing it cannot read cheaply', () => {
    expect(peekSocketIoEvent(JSON.stringify([big, { messageId: 'm' }]))).toEqual({});
    expect(peekSocketIoEvent(JSON.stringify([42, { messageId: 'm' }]))).toEqual({});
    expect(peekSocketIoEvent('not json at all')).toEqual({});
    expect(peekSocketIoEvent('')).toEqual({});
  });
});

describe('peekWebSocketFrame (a raw WebSocket frame too large to parse)', () => {
  it('reads event and data.messageId in either order', () => {
    expect(peekWebSocketFrame(JSON.stringify({ event: 'findById', data: { messageId: 'w-1', blob: big } }))).toEqual({ event: 'findById', messageId: 'w-1' });
    expect(peekWebSocketFrame(JSON.stringify({ data: { messageId: 'w-2', blob: 'short' }, event: 'findById', pad: big }))).toEqual({ event: 'findById', messageId: 'w-2' });
  });

  it('misses what lies beyond the window', () => {
    expect(peekWebSocketFrame(JSON.stringify({ data: { blob: big, messageId: 'w-3' }, event: 'findById' }))).toEqual({});
    expect(peekWebSocketFrame(JSON.stringify({ event: 'findById', data: { blob: big, messageId: 'w-4' } }))).toEqual({ event: 'findById' });
  });

  it('ignores an event that is not a string and a messageId outside data', () => {
    expect(peekWebSocketFrame(JSON.stringify({ event: { x: 1 }, messageId: 'top', data: big }))).toEqual({});
    expect(peekWebSocketFrame('[1,2,3]')).toEqual({});
  });
});
