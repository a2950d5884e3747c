import { RecentIds } from './recent-ids.js';

export type PushVerdict = 'deliver' | 'ack-again' | 'ignore';

/**
 * Which pushes the app has seen and which of them it still holds unacked.
 * The gateway re-sends a push until acked, and the broker hands unacked
 * ones to the next session, so a copy of a handled push is expected and
 * must only be acked, never delivered again.
 */
export class PushAcks {
  private readonly seen: RecentIds;
  private readonly holds = new Map<string, number>();

  constructor(window: number) {
    this.seen = new RecentIds(window);
  }

  /** Decides what to do with a push carrying `id`, and records it as seen. */
  receive(id: string): PushVerdict {
    if (!this.seen.has(id)) {
      this.seen.add(id);
      return 'deliver';
    }
    // Still held by the app: acking the copy would bypass the app's own ack.
    return this.holds.has(id) ? 'ignore' : 'ack-again';
  }

  hold(id: string): void {
    this.holds.set(id, (this.holds.get(id) ?? 0) + 1);
  }

  /** True when the last holder released it, so the ack is due now. */
  release(id: string): boolean {
    const left = (this.holds.get(id) ?? 0) - 1;
    if (left > 0) {
      this.holds.set(id, left);
      return false;
    }
    this.holds.delete(id);
    return left === 0;
  }
}
