import Fastify from 'fastify';
import { afterEach, describe, expect, it } from 'vitest';
import { registerHttpRoutes, registerMetricsRoute, type Readiness } from '../../../src/adapters/http/routes.js';
import { PromMetrics } from '../../../src/adapters/metrics/prom-metrics.js';

let app: ReturnType<typeof Fastify> | undefined;
afterEach(async () => { await app?.close(); app = undefined; });

function build(readiness: Readiness, metricsText: () => Promise<string>) {
  app = Fastify();
  registerHttpRoutes(app, { readiness: () => readiness });
  registerMetricsRoute(app, metricsText);
  return app;
}

describe('HTTP routes', () => {
  it('GET /health answers ok', async () => {
    const res = await build({ ready: false, broker: false, redis: false }, async () => '').inject('/health');
    expect(res.statusCode).toBe(200);
    expect(res.json()).toEqual({ status: 'ok' });
  });

  it('GET /ready is 200 when broker and Redis are up, 503 with the parts otherwise', async () => {
    const ok = await build({ ready: true, broker: true, redis: true }, async () => '').inject('/ready');
    expect(ok.statusCode).toBe(200);
    expect(ok.json()).toMatchObject({ ready: true, broker: true, redis: true });
    await app?.close();
    const down = await build({ ready: false, broker: true, redis: false }, async () => '').inject('/ready');
    expect(down.statusCode).toBe(503);
    expect(down.json()).toMatchObject({ ready: false, broker: true, redis: false });
  });

  it('GET /metrics serves the Prometheus text of what was counted', async () => {
    const metrics = new PromMetrics();
    metrics.clientsConnected(2);
    metrics.clientsConnected(-1);
    metrics.messageIn('findById');
    metrics.messageOut('push');
    metrics.gatewayError('RATE_LIMITED');
    metrics.resend();
    metrics.ackWait(12);
    metrics.publishConfirm(1.5);
    metrics.badAgentMessage();
    metrics.legacyKey('accepted');
    metrics.legacyKey('accepted');
    metrics.legacyKey('invalid');
    const res = await build({ ready: true, broker: true, redis: true }, () => metrics.metricsText()).inject('/metrics');
    expect(res.statusCode).toBe(200);
    expect(res.headers['content-type']).toContain('text/plain; version=0.0.4');
    expect(res.body).toContain('activestack_gateway_connected_clients 1');
    expect(res.body).toContain('activestack_gateway_messages_in_total{event="findById"} 1');
    expect(res.body).toContain('activestack_gateway_messages_out_total{kind="push"} 1');
    expect(res.body).toContain('activestack_gateway_gateway_errors_total{code="RATE_LIMITED"} 1');
    expect(res.body).toContain('activestack_gateway_resends_total 1');
    expect(res.body).toContain('activestack_gateway_bad_agent_messages_total 1');
    expect(res.body).toContain('activestack_gateway_legacy_keys_total{outcome="accepted"} 2');
    expect(res.body).toContain('activestack_gateway_legacy_keys_total{outcome="invalid"} 1');
    // At 0 before the first expired key, so a dashboard shows the series from the start.
    expect(res.body).toContain('activestack_gateway_legacy_keys_total{outcome="expired"} 0');
    expect(res.body).toContain('activestack_gateway_ack_wait_ms_count 1');
    expect(res.body).toContain('activestack_gateway_publish_confirm_ms_count 1');
    expect(res.body).toMatch(/activestack_gateway_process_resident_memory_bytes \d+/);
  });

  it('the client port\'s routes are /health and /ready only: /metrics is not among them', async () => {
    app = Fastify();
    registerHttpRoutes(app, { readiness: () => ({ ready: true, broker: true, redis: true }) });
    expect((await app.inject('/metrics')).statusCode).toBe(404);
    expect((await app.inject('/ready')).statusCode).toBe(200);
  });

  it('GET /metrics answers 503 when collection fails, and the server stays up', async () => {
    const a = build({ ready: true, broker: true, redis: true }, () => Promise.reject(new Error('boom')));
    expect((await a.inject('/metrics')).statusCode).toBe(503);
    expect((await a.inject('/health')).statusCode).toBe(200);
  });
});
