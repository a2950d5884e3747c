import { Counter, Gauge, type Registry } from 'prom-client';

const PREFIX = 'activestack_gateway_';

/** What the metrics read of the broker connection (AmqpMessageBus.status() has this shape). */
export interface BrokerStatusSource {
  readonly connected: boolean;
  readonly node?: string;
  readonly cluster?: string;
  readonly connectedSince?: number;
  readonly lastFailoverAt?: number;
  readonly failovers: number;
  readonly blocked: boolean;
  readonly inFlight: number;
  readonly waiting: number;
}

/**
 * Broker connection metrics, read from `status()` at each scrape: which
 * node (info metric), since when, the last failover, blocked state and the
 * publish line. In cluster mode the supervisor's AggregatorRegistry sums
 * them over workers (so `broker_info{node}` counts the workers on each
 * node), except the timestamps, which take the latest.
 */
export function registerBrokerStatusMetrics(registry: Registry, status: () => BrokerStatusSource): void {
  const registers = [registry];
  let counted = 0;
  new Gauge({
    name: `${PREFIX}broker_connected`, help: '1 while connected to a RabbitMQ node', registers,
    collect() { this.set(status().connected ? 1 : 0); },
  });
  new Gauge({
    name: `${PREFIX}broker_info`, help: 'The RabbitMQ node (host:port) and cluster the gateway is connected to (value 1)', labelNames: ['node', 'cluster'], registers,
    collect() {
      this.reset();
      const s = status();
      if (s.connected && s.node !== undefined) this.set({ node: s.node, cluster: s.cluster ?? '' }, 1);
    },
  });
  new Gauge({
    name: `${PREFIX}broker_connected_since_seconds`, help: 'Unix time the current broker connection was made (0 = not connected)', registers, aggregator: 'max',
    collect() { const s = status(); this.set(s.connected && s.connectedSince !== undefined ? s.connectedSince / 1000 : 0); },
  });
  new Gauge({
    name: `${PREFIX}broker_last_failover_timestamp_seconds`, help: 'Unix time of the last reconnection after a lost broker connection (0 = none yet)', registers, aggregator: 'max',
    collect() { const at = status().lastFailoverAt; this.set(at === undefined ? 0 : at / 1000); },
  });
  new Counter({
    name: `${PREFIX}broker_failovers_total`, help: 'Reconnections after a lost broker connection', registers,
    collect() {
      const now = status().failovers;
      if (now > counted) this.inc(now - counted);
      counted = now;
    },
  });
  new Gauge({
    name: `${PREFIX}broker_blocked`, help: '1 while the broker blocks publishing (resource alarm): publishes fail at once', registers,
    collect() { this.set(status().blocked ? 1 : 0); },
  });
  new Gauge({
    name: `${PREFIX}publishes_in_flight`, help: 'Publishes awaiting their broker confirm', registers,
    collect() { this.set(status().inFlight); },
  });
  new Gauge({
    name: `${PREFIX}publishes_waiting`, help: 'Publishes waiting for an in-flight slot or for the socket to drain', registers,
    collect() { this.set(status().waiting); },
  });
}
