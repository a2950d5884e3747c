import fastify, { type FastifyInstance } from 'fastify';
import type { AddressInfo } from 'node:net';
import type { Logger } from '../../application/ports.js';
import { registerMetricsRoute } from './routes.js';

export interface MetricsServerOptions {
  readonly port: number;
  readonly host: string;
  readonly metricsText: () => Promise<string>;
  readonly logger: Logger;
  /** More routes for the same internal port (the admin page), added before it listens. */
  readonly mount?: (app: FastifyInstance) => void;
}

export interface MetricsServer {
  /** The port bound. */
  readonly port: number;
  close(): Promise<void>;
}

/**
 * /metrics on a port of its own, apart from the client port: Prometheus
 * reaches it on an internal interface, browsers on the internet do not.
 * A port that cannot be bound is logged as an error and the gateway serves
 * on without metrics (undefined): a scrape target that is down shows in
 * Prometheus, while a gateway that is down loses every client.
 */
export async function startMetricsServer(opts: MetricsServerOptions): Promise<MetricsServer | undefined> {
  const app = fastify({ logger: false });
  registerMetricsRoute(app, opts.metricsText);
  opts.mount?.(app);
  try {
    await app.listen({ port: opts.port, host: opts.host });
  } catch (err) {
    opts.logger.error({ err, port: opts.port, host: opts.host }, 'metrics endpoint not started: /metrics is not served');
    await app.close().catch(() => undefined);
    return undefined;
  }
  const port = (app.server.address() as AddressInfo).port;
  opts.logger.info({ port, host: opts.host }, 'metrics listening');
  return { port, close: () => app.close() };
}
