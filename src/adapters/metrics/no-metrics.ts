import type { Metrics } from '../../application/ports.js';

/** Counts nothing: the default of an embedded core that was given no metrics. */
export class NoMetrics implements Metrics {
  clientsConnected(): void {}
  messageIn(): void {}
  messageOut(): void {}
  resend(): void {}
  gatewayError(): void {}
  ackWait(): void {}
  publishConfirm(): void {}
  badAgentMessage(): void {}
  legacyKey(): void {}
}
