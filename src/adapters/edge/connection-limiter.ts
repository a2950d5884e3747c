import { TokenBucket } from '../../domain/token-bucket.js';

export interface ConnectionLimits {
  /** Open connections per address; 0 = no limit. */
  readonly perAddress: number;
  /** New connections per second per address (also the burst); 0 = no limit. */
  readonly perAddressPerSecond: number;
}

/** Held for one open connection; `release` when it closes (idempotent). */
export interface ConnectionLease {
  release(): void;
}

export type Admission = { readonly ok: true; readonly lease: ConnectionLease } | { readonly ok: false; readonly reason: 'too-many' | 'too-fast' };

/** A bucket of `rate` tokens refilled at `rate` per second is full again after a second. */
const FULL_AGAIN_MS = 1000;

interface AddressState {
  open: number;
  bucket: TokenBucket | undefined;
  /** Last attempt: a second later the bucket is full again, and with nothing open the entry can go. */
  lastAttempt: number;
}

/**
 * Per-address limits on concurrent connections and on new connections per
 * second, within one process. Addresses with nothing open and a full
 * bucket are forgotten, so the table stays as large as the set of recently
 * active addresses.
 */
export class ConnectionLimiter {
  private readonly addresses = new Map<string, AddressState>();
  private attemptsSinceSweep = 0;

  constructor(private readonly limits: ConnectionLimits) {}

  get enabled(): boolean {
    return this.limits.perAddress > 0 || this.limits.perAddressPerSecond > 0;
  }

  /** Open connections counted for `address`. */
  openCount(address: string): number {
    return this.addresses.get(address)?.open ?? 0;
  }

  tryOpen(address: string, now: number): Admission {
    this.maybeSweep(now);
    let state = this.addresses.get(address);
    if (!state) {
      state = { open: 0, bucket: undefined, lastAttempt: now };
      this.addresses.set(address, state);
    }
    state.lastAttempt = now;
    const { perAddress, perAddressPerSecond } = this.limits;
    if (perAddress > 0 && state.open >= perAddress) return { ok: false, reason: 'too-many' };
    if (perAddressPerSecond > 0) {
      state.bucket ??= new TokenBucket(perAddressPerSecond, perAddressPerSecond, now);
      if (!state.bucket.take(now)) return { ok: false, reason: 'too-fast' };
    }
    state.open++;
    let released = false;
    const held = state;
    return {
      ok: true,
      lease: {
        release: () => {
          if (released) return;
          released = true;
          held.open--;
        },
      },
    };
  }

  /** Every so many attempts, forget the addresses that hold nothing and whose bucket is full again. */
  private maybeSweep(now: number): void {
    if (++this.attemptsSinceSweep < 1000) return;
    this.attemptsSinceSweep = 0;
    for (const [address, state] of this.addresses) {
      if (state.open === 0 && now - state.lastAttempt > FULL_AGAIN_MS) this.addresses.delete(address);
    }
  }
}
