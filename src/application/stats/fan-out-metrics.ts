import type { LegacyKeyOutcome } from '../../domain/reconnect-key.js';
import type { Metrics } from '../ports.js';

/** Every count goes to each of `targets` (Prometheus and the admin page's history). */
export class FanOutMetrics implements Metrics {
  constructor(private readonly targets: readonly Metrics[]) {}

  clientsConnected(delta: number): void { for (const t of this.targets) t.clientsConnected(delta); }
  messageIn(event: string): void { for (const t of this.targets) t.messageIn(event); }
  messageOut(kind: string): void { for (const t of this.targets) t.messageOut(kind); }
  resend(): void { for (const t of this.targets) t.resend(); }
  gatewayError(code: string): void { for (const t of this.targets) t.gatewayError(code); }
  ackWait(ms: number): void { for (const t of this.targets) t.ackWait(ms); }
  publishConfirm(ms: number): void { for (const t of this.targets) t.publishConfirm(ms); }
  badAgentMessage(): void { for (const t of this.targets) t.badAgentMessage(); }
  deliveriesHeld(delta: number): void { for (const t of this.targets) t.deliveriesHeld(delta); }
  requeue(): void { for (const t of this.targets) t.requeue(); }
  publishFailed(reason: string): void { for (const t of this.targets) t.publishFailed(reason); }
  clientClosed(reason: string): void { for (const t of this.targets) t.clientClosed(reason); }
  legacyKey(outcome: LegacyKeyOutcome): void { for (const t of this.targets) t.legacyKey(outcome); }
}
