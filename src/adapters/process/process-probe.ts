import type { ProcessReading } from '../../application/stats/stats-sample.js';

const TICK_MS = 50;

/**
 * This process's memory and event-loop lag, read once per stats interval.
 * Lag is the longest a 50 ms timer fired late since the last read: what a
 * socket message waited at worst, near enough, before the worker got to it.
 */
export class ProcessProbe {
  private maxLagMs = 0;
  private expected = performance.now() + TICK_MS;
  private readonly timer: NodeJS.Timeout;

  constructor() {
    this.timer = setInterval(() => {
      const now = performance.now();
      this.maxLagMs = Math.max(this.maxLagMs, now - this.expected);
      this.expected = now + TICK_MS;
    }, TICK_MS);
    this.timer.unref();
  }

  read(): ProcessReading {
    const { rss, heapUsed, heapTotal } = process.memoryUsage();
    // A timer that is due but has not fired yet is late too.
    const pending = Math.max(0, performance.now() - this.expected);
    const loopLagMs = Math.round(Math.max(this.maxLagMs, pending) * 10) / 10;
    this.maxLagMs = 0;
    return { memory: { rss, heapUsed, heapTotal }, loopLagMs };
  }

  stop(): void {
    clearInterval(this.timer);
  }
}
