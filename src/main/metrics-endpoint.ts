import cluster from 'node:cluster';
import type { FastifyInstance } from 'fastify';
import type { Registry } from 'prom-client';
import type { Logger } from '../application/ports.js';
import { startMetricsServer } from '../adapters/http/metrics-server.js';
import { clusterMetricsText, exposeToSupervisor } from '../adapters/metrics/cluster-metrics.js';
import type { GatewayConfig } from './config/index.js';

export interface MetricsEndpoint {
  /** The metrics port bound; undefined when none (off, cluster worker, or the port could not be bound). */
  readonly port: number | undefined;
  close(): Promise<void>;
}

/** Routes served beside /metrics on the internal port (the admin page), added before it listens. */
export type MountOnMetricsPort = (app: FastifyInstance) => void;

const none: MetricsEndpoint = { port: undefined, close: async () => undefined };

/**
 * Where a worker's metrics are served (`frontend.metrics.*`, never on the
 * client port): a cluster worker hands its registry to the supervisor,
 * which serves the sum; a single process serves its own on the metrics
 * port, with whatever `mount` adds.
 */
export async function serveWorkerMetrics(
  config: GatewayConfig,
  logger: Logger,
  metrics: { readonly registry?: Registry; metricsText?(): Promise<string> },
  mount?: MountOnMetricsPort,
): Promise<MetricsEndpoint> {
  if (cluster.isWorker) {
    if (metrics.registry) exposeToSupervisor(metrics.registry);
    return none;
  }
  const text = metrics.metricsText?.bind(metrics);
  if (!text) return none;
  return serveMetrics(config, logger, text, mount);
}

/** The supervisor's endpoint: every worker summed (cached for a second) plus its own metrics, with whatever `mount` adds. */
export async function serveSupervisorMetrics(
  config: GatewayConfig,
  logger: Logger,
  own: () => Promise<string>,
  mount?: MountOnMetricsPort,
): Promise<MetricsEndpoint> {
  return serveMetrics(config, logger, clusterMetricsText(own), mount);
}

async function serveMetrics(
  config: GatewayConfig,
  logger: Logger,
  metricsText: () => Promise<string>,
  mount: MountOnMetricsPort | undefined,
): Promise<MetricsEndpoint> {
  const { port, host } = config.frontend.metrics;
  if (port === 0) return none;
  const server = await startMetricsServer({ port, host, metricsText, logger: logger.child({ component: 'metrics' }), ...(mount ? { mount } : {}) });
  return server ?? none;
}
