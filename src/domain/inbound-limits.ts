import type { GatewayErrorCode } from './errors.js';
import { isPlainObject } from './plain-object.js';
import { TokenBucket } from './token-bucket.js';

export interface InboundLimitOptions {
  /** Largest accepted socket message (packet or frame, attachments included), in bytes. */
  readonly maxPayloadBytes: number;
  readonly burst: number;
  readonly perSecond: number;
  /** Acks have a bucket of their own; default {@link defaultAckBucket}. */
  readonly ackBurst?: number;
  readonly ackPerSecond?: number;
  /** Refusals (size or rate) after which the socket is disconnected. */
  readonly disconnectAfter: number;
}

/** Why a message was not admitted, and whether the sender has now had enough chances. */
export interface Refusal {
  readonly code: Extract<GatewayErrorCode, 'PAYLOAD_TOO_LARGE' | 'RATE_LIMITED' | 'BAD_REQUEST'>;
  /** The sender crossed `disconnectAfter`: close its socket. */
  readonly disconnect: boolean;
}

/** One inbound message as the transport measured it (PROTOCOL §6, §7). */
export interface InboundMessage {
  /** undefined when the transport could not decode an event (not JSON, not an object, no string event). */
  readonly event: string | undefined;
  readonly payload: unknown;
  /** Size on the wire in bytes, attachments included, measured before parsing. */
  readonly bytes: number;
  /** It carried binary data (a binary Socket.IO event or a binary WebSocket frame). */
  readonly binary: boolean;
  /**
   * The transport did not decode it because it is over the size limit:
   * `payload` holds at most the `messageId` read cheaply from its start.
   * Refused as PAYLOAD_TOO_LARGE whatever `bytes` says.
   */
  readonly unparsed?: boolean;
}

/**
 * The acks' bucket unless set: four times the event bucket, never under 800
 * at once and 400 per second, so raising the event bucket raises it and a
 * small event bucket does not starve acks (a client acks every push).
 */
export function defaultAckBucket(burst: number, perSecond: number): { ackBurst: number; ackPerSecond: number } {
  return { ackBurst: Math.max(800, 4 * burst), ackPerSecond: Math.max(400, 4 * perSecond) };
}

const REFUSED = {
  tooLarge: { code: 'PAYLOAD_TOO_LARGE', disconnect: false },
  tooLargeLast: { code: 'PAYLOAD_TOO_LARGE', disconnect: true },
  rate: { code: 'RATE_LIMITED', disconnect: false },
  rateLast: { code: 'RATE_LIMITED', disconnect: true },
  bad: { code: 'BAD_REQUEST', disconnect: false },
} as const satisfies Record<string, Refusal>;

/**
 * What one socket may send before anything reaches its Client (PROTOCOL
 * §6): a size limit, a token bucket for everything and a larger one for
 * acks (a client acking a burst of pushes is never refused), and a count
 * of refusals after which the sender is cut off. Binary and undecodable
 * messages are refused as BAD_REQUEST once they passed size and rate.
 */
export class InboundLimits {
  private readonly bucket: TokenBucket;
  private readonly ackBucket: TokenBucket;
  private strikes = 0;

  constructor(
    private readonly options: InboundLimitOptions,
    now: number,
  ) {
    this.bucket = new TokenBucket(options.burst, options.perSecond, now);
    const ack = defaultAckBucket(options.burst, options.perSecond);
    this.ackBucket = new TokenBucket(options.ackBurst ?? ack.ackBurst, options.ackPerSecond ?? ack.ackPerSecond, now);
  }

  /** undefined: admitted. */
  admit(message: InboundMessage, now: number): Refusal | undefined {
    if (message.bytes > this.options.maxPayloadBytes || message.unparsed === true) return this.strike() ? REFUSED.tooLargeLast : REFUSED.tooLarge;
    const bucket = message.event === 'message' && isAckOnly(message.payload) ? this.ackBucket : this.bucket;
    if (!bucket.take(now)) return this.strike() ? REFUSED.rateLast : REFUSED.rate;
    if (message.binary || message.event === undefined) return REFUSED.bad;
    return undefined;
  }

  /** Refused because too much is already waiting for this client (counts like a rate refusal). */
  overflow(): Refusal {
    return this.strike() ? REFUSED.rateLast : REFUSED.rate;
  }

  /** true once the refusals passed `disconnectAfter`. */
  private strike(): boolean {
    this.strikes += 1;
    return this.strikes > this.options.disconnectAfter;
  }
}

function isAckOnly(payload: unknown): boolean {
  if (!isPlainObject(payload)) return false;
  let count = 0;
  for (const key in payload) {
    if (key !== 'ack' || ++count > 1) return false;
  }
  return count === 1;
}
