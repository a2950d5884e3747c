import { Registry } from 'prom-client';
import { describe, expect, it } from 'vitest';
import { brokerReadiness } from '../../../src/adapters/amqp/amqp-status-report.js';
import { registerBrokerStatusMetrics, type BrokerStatusSource } from '../../../src/adapters/metrics/broker-status-metrics.js';

describe('broker status metrics and readiness detail', () => {
  it('export the node, the failover time and count, blocked and the publish line at each scrape', async () => {
    const registry = new Registry();
    let status: BrokerStatusSource = { connected: true, node: '10.0.0.1:5672', cluster: 'rabbit@a', connectedSince: 1_700_000_000_000, failovers: 0, blocked: false, inFlight: 3, waiting: 0 };
    registerBrokerStatusMetrics(registry, () => status);
    let text = await registry.metrics();
    expect(text).toMatch(/^activestack_gateway_broker_connected 1$/m);
    expect(text).toMatch(/^activestack_gateway_broker_info\{node="10\.0\.0\.1:5672",cluster="rabbit@a"\} 1$/m);
    expect(text).toMatch(/^activestack_gateway_broker_connected_since_seconds 1700000000$/m);
    expect(text).toMatch(/^activestack_gateway_broker_last_failover_timestamp_seconds 0$/m);
    expect(text).toMatch(/^activestack_gateway_publishes_in_flight 3$/m);

    // Failed over to another node, which now blocks publishing.
    status = { ...status, node: '10.0.0.2:5672', connectedSince: 1_700_000_100_000, lastFailoverAt: 1_700_000_100_000, failovers: 2, blocked: true, inFlight: 0, waiting: 7 };
    text = await registry.metrics();
    expect(text).toMatch(/^activestack_gateway_broker_info\{node="10\.0\.0\.2:5672",cluster="rabbit@a"\} 1$/m);
    expect(text).not.toMatch(/node="10\.0\.0\.1:5672"/);
    expect(text).toMatch(/^activestack_gateway_broker_last_failover_timestamp_seconds 1700000100$/m);
    expect(text).toMatch(/^activestack_gateway_broker_failovers_total 2$/m);
    expect(text).toMatch(/^activestack_gateway_broker_blocked 1$/m);
    expect(text).toMatch(/^activestack_gateway_publishes_waiting 7$/m);

    status = { ...status, connected: false, node: undefined, blocked: false };
    text = await registry.metrics();
    expect(text).toMatch(/^activestack_gateway_broker_connected 0$/m);
    expect(text).not.toMatch(/^activestack_gateway_broker_info\{/m);
    expect(text).toMatch(/^activestack_gateway_broker_failovers_total 2$/m);
  });

  it('gives /ready a JSON detail with ISO times, naming the node but not the URL (/ready is public)', () => {
    expect(
      brokerReadiness({ connected: true, node: 'h:1', url: 'amqp://u:***@h:1/%2F', connectedSince: 0, lastFailoverAt: 1000, failovers: 1, blocked: false }),
    ).toEqual({ connected: true, node: 'h:1', connectedSince: '1970-01-01T00:00:00.000Z', lastFailoverAt: '1970-01-01T00:00:01.000Z', failovers: 1, blocked: false });
    expect(brokerReadiness({ connected: false, failovers: 0, blocked: false })).toEqual({ connected: false, failovers: 0, blocked: false });
  });
});
