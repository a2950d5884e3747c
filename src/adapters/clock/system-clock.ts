import type { Clock, TimerHandle } from '../../application/ports.js';

interface SystemTimer extends TimerHandle {
  timeout: NodeJS.Timeout;
}

/** Wall-clock time and real timers, with a count of the live ones (tests, metrics). */
export class SystemClock implements Clock {
  private nextId = 1;
  private readonly live = new Set<number>();

  now(): number {
    return Date.now();
  }

  setTimer(delayMs: number, fn: () => void): TimerHandle {
    const id = this.nextId++;
    const timeout = setTimeout(() => {
      this.live.delete(id);
      fn();
    }, delayMs);
    this.live.add(id);
    const handle: SystemTimer = { id, timeout };
    return handle;
  }

  clearTimer(handle: TimerHandle): void {
    if (!this.live.delete(handle.id)) return;
    clearTimeout((handle as SystemTimer).timeout);
  }

  /** Timers set and neither fired nor cleared. */
  liveTimers(): number {
    return this.live.size;
  }
}
