/**
 * Revocations that Redis did not take (down, failing over, not answering):
 * kept in memory and written again until Redis takes them or they expire.
 * A logout during an outage therefore still revokes its login once Redis
 * is back, and on this instance at once. Lost if the process dies first.
 */
export class PendingRevocations {
  /** sid → when its marker would have expired (ms since the epoch). */
  private readonly pending = new Map<string, number>();
  private flushing: Promise<number> | undefined;

  constructor(
    /** Writes one marker with its remaining ttl; rejects when Redis did not take it. */
    private readonly write: (sid: string, ttlMs: number) => Promise<void>,
    private readonly now: () => number = Date.now,
    /** Beyond this many the oldest is dropped: memory stays bounded through a long outage. */
    private readonly max = 100_000,
  ) {}

  get size(): number {
    return this.pending.size;
  }

  add(sid: string, ttlMs: number): void {
    this.pending.delete(sid);
    if (this.pending.size >= this.max) {
      const oldest = this.pending.keys().next().value;
      if (oldest !== undefined) this.pending.delete(oldest);
    }
    this.pending.set(sid, this.now() + ttlMs);
  }

  has(sid: string): boolean {
    const until = this.pending.get(sid);
    if (until === undefined) return false;
    if (until > this.now()) return true;
    this.pending.delete(sid);
    return false;
  }

  /**
   * Writes every pending marker, oldest first, and resolves with how many
   * Redis took; rejects at the first failure (Redis is still away).
   */
  flush(): Promise<number> {
    this.flushing ??= this.writeAll().finally(() => {
      this.flushing = undefined;
    });
    return this.flushing;
  }

  private async writeAll(): Promise<number> {
    let written = 0;
    for (const [sid, until] of [...this.pending]) {
      const ttl = until - this.now();
      if (ttl > 0) {
        await this.write(sid, ttl);
        written++;
      }
      // A newer add() of the same sid during the write keeps its own entry.
      if (this.pending.get(sid) === until) this.pending.delete(sid);
    }
    return written;
  }
}
