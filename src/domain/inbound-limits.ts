import type { Effect } from './effects.js';
import { errorEmit, warn } from './client-inputs.js';
import { isPlainObject, stringField } from './plain-object.js';
import { TokenBucket } from './token-bucket.js';

export interface InboundLimitOptions {
  /** Largest accepted socket message (raw packet), in characters. */
  readonly maxPayloadBytes: number;
  readonly burst: number;
  readonly perSecond: number;
  /** RATE_LIMITED answers after which the socket is disconnected. */
  readonly disconnectAfter: number;
}

/**
 * What one socket may send before anything reaches its Client: a size
 * limit and a per-socket token bucket. Acks are never limited: they are what
 * the gateway asked for, and refusing one would only cause re-sends.
 */
export class InboundLimits {
  private readonly bucket: TokenBucket;
  private strikes = 0;

  constructor(
    private readonly options: InboundLimitOptions,
    now: number,
  ) {
    this.bucket = new TokenBucket(options.burst, options.perSecond, now);
  }

  /** undefined: admitted. Otherwise the effects that refuse it. */
  check(event: string, payload: unknown, bytes: number, now: number): Effect[] | undefined {
    if (bytes > this.options.maxPayloadBytes) return [this.refusal('PAYLOAD_TOO_LARGE', event, payload)];
    if (event === 'message' && isAckOnly(payload)) return undefined;
    if (this.bucket.take(now)) return undefined;
    this.strikes += 1;
    if (this.strikes > this.options.disconnectAfter) {
      return [warn('client keeps flooding: disconnecting', { strikes: this.strikes }), { type: 'disconnectSocket', reason: 'rate-limited' }];
    }
    return [this.refusal('RATE_LIMITED', event, payload)];
  }

  private refusal(code: 'RATE_LIMITED' | 'PAYLOAD_TOO_LARGE', event: string, payload: unknown): Effect {
    const messageId = isPlainObject(payload) ? stringField(payload, 'messageId') : undefined;
    return errorEmit(code, { ...(event === 'message' ? {} : { event }), ...(messageId !== undefined ? { messageId } : {}) });
  }
}

function isAckOnly(payload: unknown): boolean {
  if (!isPlainObject(payload)) return false;
  const keys = Object.keys(payload);
  return keys.length === 1 && keys[0] === 'ack';
}
