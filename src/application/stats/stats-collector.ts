import type { Metrics } from '../ports.js';
import { RingBuffer } from './ring-buffer.js';
import type { ProcessReading, StatsSample } from './stats-sample.js';

type Counts = Record<string, number>;

/**
 * The Metrics port as a short history: counts of the current interval,
 * closed into a StatsSample by `sample()` and kept in a ring buffer (by
 * default 600 samples: 10 minutes at one a second), so a page opened now
 * still shows the last minutes. Pure: whoever owns the timer calls sample().
 */
export class StatsCollector implements Metrics {
  private readonly ring: RingBuffer<StatsSample>;
  private startedAt: number;
  private clients = 0;
  private held = 0;
  private messagesIn = 0;
  private messagesOut = 0;
  private resends = 0;
  private requeues = 0;
  private errors: Counts = {};
  private publishFailures: Counts = {};
  private closes: Counts = {};

  constructor(now: number, capacity = 600) {
    this.ring = new RingBuffer(capacity);
    this.startedAt = now;
  }

  get connectedClients(): number {
    return this.clients;
  }

  get heldPushes(): number {
    return this.held;
  }

  clientsConnected(delta: number): void { this.clients += delta; }
  messageIn(_event: string): void { this.messagesIn++; }
  messageOut(_kind: string): void { this.messagesOut++; }
  resend(): void { this.resends++; }
  gatewayError(code: string): void { bump(this.errors, code); }
  ackWait(): void {}
  publishConfirm(): void {}
  badAgentMessage(): void {}
  legacyKey(): void {}
  deliveriesHeld(delta: number): void { this.held += delta; }
  requeue(): void { this.requeues++; }
  publishFailed(reason: string): void { bump(this.publishFailures, reason); }
  clientClosed(reason: string): void { bump(this.closes, reason); }

  /** Closes the interval that ends at `now`, and starts the next. */
  sample(now: number, reading: ProcessReading): StatsSample {
    const sample: StatsSample = {
      t: now,
      ms: Math.max(1, now - this.startedAt),
      messagesIn: this.messagesIn,
      messagesOut: this.messagesOut,
      resends: this.resends,
      requeues: this.requeues,
      heldPushes: this.held,
      clients: this.clients,
      errors: this.errors,
      publishFailures: this.publishFailures,
      closes: this.closes,
      loopLagMs: reading.loopLagMs,
      rss: reading.memory.rss,
      heapUsed: reading.memory.heapUsed,
    };
    this.ring.push(sample);
    this.startedAt = now;
    this.messagesIn = this.messagesOut = this.resends = this.requeues = 0;
    this.errors = {};
    this.publishFailures = {};
    this.closes = {};
    return sample;
  }

  /** Samples that ended after `since` (epoch ms), oldest first. */
  samplesSince(since: number): StatsSample[] {
    return this.ring.toArray().filter((s) => s.t > since);
  }

  lastSample(): StatsSample | undefined {
    return this.ring.last();
  }
}

function bump(counts: Counts, key: string): void {
  counts[key] = (counts[key] ?? 0) + 1;
}
