import type { GatewayConfig } from '../config/index.js';

/** Set by the supervisor on its workers: the port it listens on (the one picked when frontend.port is 0). */
export const CLUSTER_PORT_ENV = 'ASGW_CLUSTER_PORT';

/**
 * A cluster worker's configuration as its primary serves it: the port is
 * the primary's (the worker binds nothing; it names itself by that port),
 * and TLS is the primary's business, so the worker speaks plain HTTP over
 * the connections it is handed (see sticky-primary.ts).
 */
export function withClusterPort(config: GatewayConfig, env: NodeJS.ProcessEnv = process.env): GatewayConfig {
  const raw = env[CLUSTER_PORT_ENV];
  if (raw === undefined || raw === '') return config;
  const port = Number(raw);
  if (!Number.isInteger(port) || port < 1 || port > 65_535) {
    throw new Error(`${CLUSTER_PORT_ENV} must be a port number (1-65535), got "${raw}"`);
  }
  return { ...config, frontend: { ...config.frontend, port, ssl: false } };
}
