import type { Clock, TimerHandle } from '../../application/ports.js';

interface ManualTimer extends TimerHandle {
  readonly dueAt: number;
  readonly fn: () => void;
}

/**
 * A clock that moves only when told (tests and simulations): `advance`
 * fires every timer that falls due, in due order, at its due time.
 */
export class ManualClock implements Clock {
  private current: number;
  private nextId = 1;
  private readonly timers = new Map<number, ManualTimer>();

  constructor(start = 1_700_000_000_000) {
    this.current = start;
  }

  now(): number {
    return this.current;
  }

  setTimer(delayMs: number, fn: () => void): TimerHandle {
    const timer: ManualTimer = { id: this.nextId++, dueAt: this.current + Math.max(0, delayMs), fn };
    this.timers.set(timer.id, timer);
    return timer;
  }

  clearTimer(handle: TimerHandle): void {
    this.timers.delete(handle.id);
  }

  /** Move time forward by ms, firing what falls due on the way. */
  advance(ms: number): void {
    const end = this.current + ms;
    for (;;) {
      let next: ManualTimer | undefined;
      for (const t of this.timers.values()) if (t.dueAt <= end && (!next || t.dueAt < next.dueAt)) next = t;
      if (!next) break;
      this.timers.delete(next.id);
      this.current = next.dueAt;
      next.fn();
    }
    this.current = end;
  }

  /** Timers set and neither fired nor cleared. */
  liveTimers(): number {
    return this.timers.size;
  }
}
