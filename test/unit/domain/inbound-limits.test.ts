import { describe, expect, it } from 'vitest';
import { InboundLimits, type InboundMessage } from '../../../src/domain/inbound-limits.js';

const NOW = 1_000_000;
const limits = (over: Partial<ConstructorParameters<typeof InboundLimits>[0]> = {}) =>
  new InboundLimits({ maxPayloadBytes: 100, burst: 3, perSecond: 1, disconnectAfter: 2, ...over }, NOW);
const msg = (event: string | undefined, payload: unknown, bytes = 10, binary = false): InboundMessage => ({ event, payload, bytes, binary });

describe('InboundLimits (size and rate per socket, PROTOCOL §6)', () => {
  it('admits what fits', () => {
    expect(limits().admit(msg('findById', { messageId: 'm' }, 100), NOW)).toBeUndefined();
  });

  it('refuses a message over the size limit in bytes, and every refusal counts towards the disconnect', () => {
    const l = limits();
    expect(l.admit(msg('findById', {}, 101), NOW)).toEqual({ code: 'PAYLOAD_TOO_LARGE', disconnect: false });
    expect(l.admit(msg('findById', {}, 101), NOW)).toEqual({ code: 'PAYLOAD_TOO_LARGE', disconnect: false });
    expect(l.admit(msg('findById', {}, 101), NOW)).toEqual({ code: 'PAYLOAD_TOO_LARGE', disconnect: true });
  });

  it('a message the transport left unparsed (over its size limit) is PAYLOAD_TOO_LARGE whatever its byte count says', () => {
    const l = limits();
    const standIn: InboundMessage = { event: 'testCall', payload: { messageId: 'm' }, bytes: 10, binary: false, unparsed: true };
    expect(l.admit(standIn, NOW)).toEqual({ code: 'PAYLOAD_TOO_LARGE', disconnect: false });
  });

  it('RATE_LIMITED past the burst, refilled with time, then a disconnect for a client that keeps on', () => {
    const l = limits();
    for (let i = 0; i < 3; i++) expect(l.admit(msg('testCall', {}), NOW)).toBeUndefined();
    expect(l.admit(msg('testCall', {}), NOW)).toEqual({ code: 'RATE_LIMITED', disconnect: false });
    expect(l.admit(msg('testCall', {}), NOW + 1000)).toBeUndefined();
    expect(l.admit(msg('testCall', {}), NOW + 1000)).toEqual({ code: 'RATE_LIMITED', disconnect: false });
    expect(l.admit(msg('testCall', {}), NOW + 1000)).toEqual({ code: 'RATE_LIMITED', disconnect: true });
  });

  it('acks have a larger bucket of their own: a burst of acks is admitted, a flood of them is not', () => {
    const l = limits({ burst: 2, ackBurst: 50, ackPerSecond: 0.001 });
    expect(l.admit(msg('testCall', {}), NOW)).toBeUndefined();
    for (let i = 0; i < 50; i++) expect(l.admit(msg('message', { ack: { correspondingMessageId: `m${i}` } }), NOW)).toBeUndefined();
    expect(l.admit(msg('message', { ack: { correspondingMessageId: 'x' } }), NOW)).toEqual({ code: 'RATE_LIMITED', disconnect: false });
    // The event bucket was not touched by the acks; a message with more than an ack uses it.
    expect(l.admit(msg('message', { ack: {}, hibernate: true }), NOW)).toBeUndefined();
    expect(l.admit(msg('testCall', {}), NOW)).toEqual({ code: 'RATE_LIMITED', disconnect: false });
  });

  it('acks default to four times the event bucket, never under 800 at once', () => {
    const ackBurst = (burst: number): number => {
      const l = limits({ burst, perSecond: 0.001, disconnectAfter: 100_000 });
      let admitted = 0;
      for (let i = 0; i < 5000; i++) if (!l.admit(msg('message', { ack: { correspondingMessageId: 'm' } }), NOW)) admitted++;
      return admitted;
    };
    expect(ackBurst(5)).toBe(800);
    expect(ackBurst(1000)).toBe(4000);
  });

  it('binary and undecodable messages are BAD_REQUEST once they passed size and rate (no strike)', () => {
    const l = limits({ burst: 2, disconnectAfter: 0 });
    expect(l.admit(msg('testCall', {}, 10, true), NOW)).toEqual({ code: 'BAD_REQUEST', disconnect: false });
    expect(l.admit(msg(undefined, undefined), NOW)).toEqual({ code: 'BAD_REQUEST', disconnect: false });
    expect(l.admit(msg('testCall', {}), NOW)).toEqual({ code: 'RATE_LIMITED', disconnect: true });
  });
});
