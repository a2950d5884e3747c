import type { FastifyInstance } from 'fastify';

export interface Readiness {
  ready: boolean;
  broker: boolean;
  redis: boolean;
}

export interface HttpRouteDeps {
  readiness(): Readiness;
}

const PROMETHEUS_TEXT = 'text/plain; version=0.0.4; charset=utf-8';

/**
 * The client port's routes for load balancers: /health (the process
 * answers) and /ready (it can serve: broker and Redis up). /metrics is not
 * among them: it is served on a port of its own (metrics-server.ts).
 */
export function registerHttpRoutes(app: FastifyInstance, deps: HttpRouteDeps): void {
  app.get('/health', async () => ({ status: 'ok' }));

  app.get('/ready', async (_req, reply) => {
    const r = deps.readiness();
    return reply.code(r.ready ? 200 : 503).send({ status: r.ready ? 'ready' : 'not ready', ...r });
  });
}

/** GET /metrics: Prometheus text, or 503 when collecting fails. */
export function registerMetricsRoute(app: FastifyInstance, metricsText: () => Promise<string>): void {
  app.get('/metrics', async (req, reply) => {
    try {
      const text = await metricsText();
      return reply.type(PROMETHEUS_TEXT).send(text);
    } catch (err) {
      req.log.error({ err }, 'metrics collection failed');
      return reply.code(503).type('text/plain; charset=utf-8').send('metrics unavailable\n');
    }
  });
}
