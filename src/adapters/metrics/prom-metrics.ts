import { collectDefaultMetrics, Counter, Gauge, Registry } from 'prom-client';
import type { Metrics } from '../../application/ports.js';
import { LEGACY_KEY_OUTCOMES, type LegacyKeyOutcome } from '../../domain/reconnect-key.js';
import { LocalHistogram } from './local-histogram.js';

const PREFIX = 'activestack_gateway_';

/**
 * The Metrics port on prom-client, one registry per instance (tests create
 * many). In cluster mode each worker's registry is handed to prom-client's
 * AggregatorRegistry and the supervisor sums them (see cluster-metrics.ts).
 */
export class PromMetrics implements Metrics {
  readonly registry = new Registry();
  // Per-message counts are plain numbers until prom-client collects them (each scrape):
  // a labelled prom-client inc() hashes and validates its labels every time (about 300 ns).
  private readonly inboundCounts = new CountsByLabel();
  private readonly outboundCounts = new CountsByLabel();
  private readonly clients = new Gauge({ name: `${PREFIX}connected_clients`, help: 'Connected socket clients', registers: [this.registry] });
  private readonly inbound = new Counter({
    name: `${PREFIX}messages_in_total`, help: 'Messages from clients, by event', labelNames: ['event'], registers: [this.registry],
    collect: flushInto(this.inboundCounts, 'event'),
  });
  private readonly outbound = new Counter({
    name: `${PREFIX}messages_out_total`, help: 'Messages to clients, by kind', labelNames: ['kind'], registers: [this.registry],
    collect: flushInto(this.outboundCounts, 'kind'),
  });
  private readonly resends = new Counter({ name: `${PREFIX}resends_total`, help: 'Pushes re-sent for want of an ack', registers: [this.registry] });
  private readonly errors = new Counter({ name: `${PREFIX}gateway_errors_total`, help: 'gatewayError sent to clients, by code', labelNames: ['code'], registers: [this.registry] });
  private readonly badAgent = new Counter({ name: `${PREFIX}bad_agent_messages_total`, help: 'Agent messages rejected as malformed', registers: [this.registry] });
  private readonly legacyKeys = new Counter({
    name: `${PREFIX}legacy_keys_total`, help: 'Reconnect keys of the original gateway presented, by outcome (accepted, expired, invalid)',
    labelNames: ['outcome'], registers: [this.registry],
  });
  // The delivery-guarantee view (held, requeued) and why things end (publish failures, closes).
  // Held and requeued change on every push: plain numbers, handed over at scrape.
  private heldNow = 0;
  private requeuesSince = 0;
  private readonly held = new Gauge({
    name: `${PREFIX}held_deliveries`, help: 'Agent deliveries held unsettled (pushes awaiting the client ack)', registers: [this.registry],
    collect: setTo(() => this.heldNow),
  });
  private readonly requeues = new Counter({
    name: `${PREFIX}requeues_total`, help: 'Deliveries handed back to the broker for redelivery', registers: [this.registry],
    collect: incBy(() => {
      const n = this.requeuesSince;
      this.requeuesSince = 0;
      return n;
    }),
  });
  private readonly publishFailures = new Counter({ name: `${PREFIX}publish_failures_total`, help: 'Publishes to agents that failed, by reason', labelNames: ['reason'], registers: [this.registry] });
  private readonly closes = new Counter({ name: `${PREFIX}client_closes_total`, help: 'Client sockets closed, by close reason', labelNames: ['reason'], registers: [this.registry] });
  private readonly ackWaitMs = new LocalHistogram(`${PREFIX}ack_wait_ms`, 'ms from first push to the client ack', [5, 25, 100, 500, 2000, 7500, 30000, 120000], this.registry);
  private readonly confirmMs = new LocalHistogram(`${PREFIX}publish_confirm_ms`, 'ms from publish to broker confirm', [0.5, 1, 2, 5, 10, 25, 50, 100, 250, 1000], this.registry);

  constructor(opts: { defaultMetrics?: boolean } = {}) {
    if (opts.defaultMetrics !== false) collectDefaultMetrics({ register: this.registry, prefix: PREFIX });
    // Present at 0 from the start, so "no legacy key any more" is visible before the window closes.
    for (const outcome of LEGACY_KEY_OUTCOMES) this.legacyKeys.inc({ outcome }, 0);
  }

  clientsConnected(delta: number): void { this.clients.inc(delta); }
  messageIn(event: string): void { this.inboundCounts.add(event); }
  messageOut(kind: string): void { this.outboundCounts.add(kind); }
  resend(): void { this.resends.inc(); }
  gatewayError(code: string): void { this.errors.inc({ code }); }
  ackWait(ms: number): void { this.ackWaitMs.observe(ms); }
  publishConfirm(ms: number): void { this.confirmMs.observe(ms); }
  badAgentMessage(): void { this.badAgent.inc(); }
  /** A reconnect key of the original gateway was presented (see legacyKeyOutcome). */
  legacyKey(outcome: LegacyKeyOutcome): void { this.legacyKeys.inc({ outcome }); }
  deliveriesHeld(delta: number): void { this.heldNow += delta; }
  requeue(): void { this.requeuesSince++; }
  publishFailed(reason: string): void { this.publishFailures.inc({ reason }); }
  clientClosed(reason: string): void { this.closes.inc({ reason }); }

  metricsText(): Promise<string> { return this.registry.metrics(); }
  get contentType(): string { return this.registry.contentType; }
}

/** Counts per label value, handed to a prom-client Counter when it collects. */
class CountsByLabel {
  readonly counts = new Map<string, { n: number }>();
  add(label: string): void {
    const c = this.counts.get(label);
    if (c) c.n++;
    else this.counts.set(label, { n: 1 });
  }
}

function flushInto(local: CountsByLabel, labelName: string): (this: Counter<string>) => void {
  return function collect(this: Counter<string>): void {
    for (const [label, c] of local.counts) {
      if (c.n === 0) continue;
      this.inc({ [labelName]: label }, c.n);
      c.n = 0;
    }
  };
}

function setTo(read: () => number): (this: Gauge<string>) => void {
  return function collect(this: Gauge<string>): void {
    this.set(read());
  };
}

function incBy(take: () => number): (this: Counter<string>) => void {
  return function collect(this: Counter<string>): void {
    const n = take();
    if (n > 0) this.inc(n);
  };
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
