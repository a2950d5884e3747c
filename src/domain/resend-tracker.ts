import type { DeliveryRef, Effect } from './effects.js';
import { parseBody } from './client-inputs.js';

interface Held {
  readonly id: string;
  readonly delivery: DeliveryRef;
  /**
   * The push as it arrived, parsed again for a re-send (rare) rather than
   * kept parsed: a held push then costs the garbage collector nothing more
   * than the delivery that holds these bytes anyway.
   */
  readonly body: Buffer | string;
  readonly firstEmitAt: number;
  /** Re-sends counted so far, including slots a late timer skipped. */
  resends: number;
}

export interface ResendOptions {
  resendIntervalMs: number;
  /** 0 = unlimited, as the original gateway. */
  maxResends: number;
}

/** Shared, read-only results: most pushes and acks change nothing about the timer. */
const NO_EFFECTS = Object.freeze([]) as unknown as Effect[];
const NOTHING_RELEASED: { released: number; effects: Effect[] } = Object.freeze({ released: 0, effects: NO_EFFECTS });

export function validateResendInterval(ms: number): void {
  if (!Number.isFinite(ms) || ms <= 0) throw new RangeError(`resend interval must be a positive number of ms, got ${ms}`);
}

/**
 * §3.3 step 5: pushes awaiting the client's ack, and the client's single
 * resend timer. One timer for all of them keeps the timer count per client
 * at most one, whatever the backlog.
 */
export class ResendTracker {
  private held: Held[] = [];
  private armedAt: number | undefined;
  private intervalMs: number;
  private readonly maxResends: number;
  private broken = false;

  constructor(options: ResendOptions) {
    validateResendInterval(options.resendIntervalMs);
    if (!Number.isInteger(options.maxResends) || options.maxResends < 0) {
      throw new RangeError(`maxResends must be a non-negative integer, got ${options.maxResends}`);
    }
    this.intervalMs = options.resendIntervalMs;
    this.maxResends = options.maxResends;
  }

  get size(): number {
    return this.held.length;
  }

  get armed(): boolean {
    return this.armedAt !== undefined;
  }

  /** Takes effect from the next (re)arming: the armed timer keeps its time. */
  setInterval(ms: number): void {
    validateResendInterval(ms);
    this.intervalMs = ms;
  }

  /** `body`: the delivery's bytes, as emitted after parsing (re-sends parse them again: the same push). */
  hold(id: string, delivery: DeliveryRef, body: Buffer | string, now: number): Effect[] {
    this.held.push({ id, delivery, body, firstEmitAt: now, resends: 0 });
    return this.broken ? NO_EFFECTS : this.rearm(now);
  }

  /**
   * Every held delivery with that id. The timer is left to run out when
   * nothing is held any more (its tick is then a no-op): a push acked at once
   * would otherwise cost a timer set and cleared per message.
   */
  release(id: string, now: number): { released: number; effects: Effect[] } {
    // In place and without a new array per ack: usually the one held push is the one acked.
    const held = this.held;
    let effects: Effect[] | undefined;
    let kept = 0;
    for (let i = 0; i < held.length; i++) {
      const h = held[i]!;
      if (h.id === id) {
        (effects ??= []).push({ type: 'ackDelivery', delivery: h.delivery, ackWaitMs: now - h.firstEmitAt });
      } else {
        if (kept !== i) held[kept] = h;
        kept++;
      }
    }
    if (effects === undefined) return NOTHING_RELEASED;
    held.length = kept;
    return { released: effects.length, effects };
  }

  /**
   * The timer fired: re-emit what is due. `broken` when a re-send beyond
   * maxResends fell due: the client is taken as broken (the caller closes it).
   */
  tick(now: number): { effects: Effect[]; broken: boolean } {
    this.armedAt = undefined;
    if (this.broken) return { effects: [], broken: false };
    const due = this.held.filter((h) => this.dueAt(h) <= now);
    if (this.maxResends > 0 && due.some((h) => h.resends >= this.maxResends)) {
      this.broken = true;
      return { effects: [], broken: true };
    }
    const effects: Effect[] = [];
    for (const h of due) {
      effects.push({ type: 'emit', event: 'push', data: parseBody(h.body), resend: true });
      h.resends = Math.max(h.resends + 1, Math.floor((now - h.firstEmitAt) / this.intervalMs));
    }
    effects.push(...this.rearm(now));
    return { effects, broken: false };
  }

  /** Everything held, for the close: the caller returns them to the queue. */
  drain(): { deliveries: DeliveryRef[]; effects: Effect[] } {
    const deliveries = this.held.map((h) => h.delivery);
    this.held = [];
    this.broken = true;
    const effects: Effect[] = [];
    if (this.armedAt !== undefined) {
      this.armedAt = undefined;
      effects.push({ type: 'cancelSchedule' });
    }
    return { deliveries, effects };
  }

  private dueAt(h: Held): number {
    return h.firstEmitAt + (h.resends + 1) * this.intervalMs;
  }

  private rearm(now: number): Effect[] {
    if (this.held.length === 0) return NO_EFFECTS;
    let next = Number.POSITIVE_INFINITY;
    for (const h of this.held) next = Math.min(next, this.dueAt(h));
    if (this.armedAt !== undefined && this.armedAt <= next) return NO_EFFECTS;
    this.armedAt = next;
    return [{ type: 'schedule', delayMs: Math.max(0, next - now) }];
  }
}
