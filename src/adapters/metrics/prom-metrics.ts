import { collectDefaultMetrics, Counter, Gauge, Histogram, Registry } from 'prom-client';
import type { Metrics } from '../../application/ports.js';
import { LEGACY_KEY_OUTCOMES, type LegacyKeyOutcome } from '../../domain/reconnect-key.js';

const PREFIX = 'activestack_gateway_';

/**
 * The Metrics port on prom-client, one registry per instance (tests create
 * many). In cluster mode each worker's registry is handed to prom-client's
 * AggregatorRegistry and the supervisor sums them (see cluster-metrics.ts).
 */
export class PromMetrics implements Metrics {
  readonly registry = new Registry();
  private readonly clients = new Gauge({ name: `${PREFIX}connected_clients`, help: 'Connected socket clients', registers: [this.registry] });
  private readonly inbound = new Counter({ name: `${PREFIX}messages_in_total`, help: 'Messages from clients, by event', labelNames: ['event'], registers: [this.registry] });
  private readonly outbound = new Counter({ name: `${PREFIX}messages_out_total`, help: 'Messages to clients, by kind', labelNames: ['kind'], registers: [this.registry] });
  private readonly resends = new Counter({ name: `${PREFIX}resends_total`, help: 'Pushes re-sent for want of an ack', registers: [this.registry] });
  private readonly errors = new Counter({ name: `${PREFIX}gateway_errors_total`, help: 'gatewayError sent to clients, by code', labelNames: ['code'], registers: [this.registry] });
  private readonly badAgent = new Counter({ name: `${PREFIX}bad_agent_messages_total`, help: 'Agent messages rejected as malformed', registers: [this.registry] });
  private readonly legacyKeys = new Counter({
    name: `${PREFIX}legacy_keys_total`, help: 'Reconnect keys of the original gateway presented, by outcome (accepted, expired, invalid)',
    labelNames: ['outcome'], registers: [this.registry],
  });
  private readonly ackWaitMs = new Histogram({
    name: `${PREFIX}ack_wait_ms`, help: 'ms from first push to the client ack', registers: [this.registry],
    buckets: [5, 25, 100, 500, 2000, 7500, 30000, 120000],
  });
  private readonly confirmMs = new Histogram({
    name: `${PREFIX}publish_confirm_ms`, help: 'ms from publish to broker confirm', registers: [this.registry],
    buckets: [0.5, 1, 2, 5, 10, 25, 50, 100, 250, 1000],
  });

  constructor(opts: { defaultMetrics?: boolean } = {}) {
    if (opts.defaultMetrics !== false) collectDefaultMetrics({ register: this.registry, prefix: PREFIX });
    // Present at 0 from the start, so "no legacy key any more" is visible before the window closes.
    for (const outcome of LEGACY_KEY_OUTCOMES) this.legacyKeys.inc({ outcome }, 0);
  }

  clientsConnected(delta: number): void { this.clients.inc(delta); }
  // Labelled children are cached: prom-client hashes the labels on every inc() otherwise.
  private readonly inboundBy = new Map<string, { inc(): void }>();
  private readonly outboundBy = new Map<string, { inc(): void }>();
  messageIn(event: string): void { this.child(this.inboundBy, this.inbound, event).inc(); }
  messageOut(kind: string): void { this.child(this.outboundBy, this.outbound, kind).inc(); }
  resend(): void { this.resends.inc(); }
  gatewayError(code: string): void { this.errors.inc({ code }); }
  ackWait(ms: number): void { this.ackWaitMs.observe(ms); }
  publishConfirm(ms: number): void { this.confirmMs.observe(ms); }
  badAgentMessage(): void { this.badAgent.inc(); }
  /** A reconnect key of the original gateway was presented (see legacyKeyOutcome). */
  legacyKey(outcome: LegacyKeyOutcome): void { this.legacyKeys.inc({ outcome }); }

  private child(cache: Map<string, { inc(): void }>, counter: Counter<string>, label: string): { inc(): void } {
    let child = cache.get(label);
    if (!child) {
      child = counter.labels(label);
      cache.set(label, child);
    }
    return child;
  }

  metricsText(): Promise<string> { return this.registry.metrics(); }
  get contentType(): string { return this.registry.contentType; }
}

/** The supervisor's own counters, appended to the workers' sum. */
export class SupervisorMetrics {
  readonly registry = new Registry();
  private readonly restarts = new Counter({
    name: `${PREFIX}worker_restarts_total`, help: 'Workers replaced by the supervisor, by reason', labelNames: ['reason'], registers: [this.registry],
  });
  workerRestart(reason: string): void { this.restarts.inc({ reason }); }
  metricsText(): Promise<string> { return this.registry.metrics(); }
}
