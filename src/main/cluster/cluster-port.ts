import { createServer } from 'node:net';
import type { GatewayConfig } from '../config/index.js';

/** Set by the supervisor on its workers when frontend.port is 0. */
export const CLUSTER_PORT_ENV = 'ASGW_CLUSTER_PORT';

/**
 * node:cluster shares one listening handle per address, port and listen
 * index; with port 0 the primary binds a random port for the first worker
 * and the others share it only while that handle lives. Once every worker
 * of it has closed (all replaced, or all crashed), the next worker gets a
 * new random port and every client is lost. So the supervisor picks the
 * port once, and every worker, replacements included, listens on it.
 */
export async function pickClusterPort(host: string): Promise<number> {
  return new Promise((resolve, reject) => {
    const probe = createServer();
    probe.once('error', reject);
    probe.listen(0, host, () => {
      const { port } = probe.address() as { port: number };
      probe.close(() => resolve(port));
    });
  });
}

/** The worker's configuration with the port its supervisor chose, if it chose one. */
export function withClusterPort(config: GatewayConfig, env: NodeJS.ProcessEnv = process.env): GatewayConfig {
  const raw = env[CLUSTER_PORT_ENV];
  if (raw === undefined || raw === '') return config;
  const port = Number(raw);
  if (!Number.isInteger(port) || port < 1 || port > 65_535) {
    throw new Error(`${CLUSTER_PORT_ENV} must be a port number (1-65535), got "${raw}"`);
  }
  return { ...config, frontend: { ...config.frontend, port } };
}
