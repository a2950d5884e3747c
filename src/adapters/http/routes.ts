import type { FastifyInstance } from 'fastify';

export interface Readiness {
  ready: boolean;
  broker: boolean;
  redis: boolean;
}

export interface HttpRouteDeps {
  readiness(): Readiness;
  metricsText(): Promise<string>;
}

const PROMETHEUS_TEXT = 'text/plain; version=0.0.4; charset=utf-8';

/** /health: the process answers. /ready: it can serve (broker and Redis up). /metrics: Prometheus. */
export function registerHttpRoutes(app: FastifyInstance, deps: HttpRouteDeps): void {
  app.get('/health', async () => ({ status: 'ok' }));

  app.get('/ready', async (_req, reply) => {
    const r = deps.readiness();
    return reply.code(r.ready ? 200 : 503).send({ status: r.ready ? 'ready' : 'not ready', ...r });
  });

  app.get('/metrics', async (req, reply) => {
    try {
      const text = await deps.metricsText();
      return reply.type(PROMETHEUS_TEXT).send(text);
    } catch (err) {
      req.log.error({ err }, 'metrics collection failed');
      return reply.code(503).type('text/plain; charset=utf-8').send('metrics unavailable\n');
    }
  });
}
