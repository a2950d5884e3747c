import { describe, expect, it } from 'vitest';
import { InboundLimits } from '../../../src/domain/inbound-limits.js';

const NOW = 1_000_000;
const limits = (over: Partial<ConstructorParameters<typeof InboundLimits>[0]> = {}) =>
  new InboundLimits({ maxPayloadBytes: 100, burst: 3, perSecond: 1, disconnectAfter: 2, ...over }, NOW);

describe('InboundLimits (size and rate per socket)', () => {
  it('admits what fits', () => {
    expect(limits().check('findById', { messageId: 'm' }, 100, NOW)).toBeUndefined();
  });

  it('refuses an oversized payload with PAYLOAD_TOO_LARGE, naming the event and messageId', () => {
    expect(limits().check('findById', { messageId: 'm' }, 101, NOW)).toEqual([
      { type: 'emit', event: 'gatewayError', data: expect.objectContaining({ code: 'PAYLOAD_TOO_LARGE', event: 'findById', messageId: 'm' }) },
    ]);
    const onMessage = limits().check('message', { connect: {} }, 101, NOW)!;
    expect(onMessage[0]).toMatchObject({ data: { code: 'PAYLOAD_TOO_LARGE' } });
    expect((onMessage[0] as { data: object }).data).not.toHaveProperty('event');
  });

  it('RATE_LIMITED past the burst, refilled with time, then a disconnect for a client that keeps on', () => {
    const l = limits();
    for (let i = 0; i < 3; i++) expect(l.check('testCall', {}, 10, NOW)).toBeUndefined();
    expect(l.check('testCall', {}, 10, NOW)![0]).toMatchObject({ data: { code: 'RATE_LIMITED', event: 'testCall' } });
    expect(l.check('testCall', {}, 10, NOW + 1000)).toBeUndefined();
    expect(l.check('testCall', {}, 10, NOW + 1000)![0]).toMatchObject({ data: { code: 'RATE_LIMITED' } });
    expect(l.check('testCall', {}, 10, NOW + 1000)).toContainEqual({ type: 'disconnectSocket', reason: 'rate-limited' });
  });

  it('never limits an ack: refusing it would only cause re-sends', () => {
    const l = limits({ burst: 1 });
    expect(l.check('testCall', {}, 10, NOW)).toBeUndefined();
    for (let i = 0; i < 50; i++) expect(l.check('message', { ack: { correspondingMessageId: `m${i}` } }, 10, NOW)).toBeUndefined();
    expect(l.check('message', { ack: {}, hibernate: true }, 10, NOW)![0]).toMatchObject({ data: { code: 'RATE_LIMITED' } });
  });
});
