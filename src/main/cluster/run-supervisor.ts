import { hostname } from 'node:os';
import { ControlService, DEFAULT_GRACE_MS } from '../../application/control.js';
import { httpsOptions, type GatewayConfig } from '../config/index.js';
import type { RootLogger } from '../logger.js';
import { serveSupervisorMetrics } from '../metrics-endpoint.js';
import { controlChannelFor } from '../container/index.js';
import { onStopSignals } from './signals.js';
import { StickyFrontend } from './sticky-primary.js';
import { Supervisor } from './supervisor.js';
import { SupervisorControl } from './supervisor-control.js';

/**
 * The cluster primary. It listens on frontend.port and hands each
 * connection to a worker, sticky per Engine.IO session (sticky-primary.ts).
 * Only it listens to the control channel, so each command runs once per
 * instance and is fanned out to the workers over IPC (a rolling restart
 * needs one coordinator anyway); replies are per worker.
 */
export async function runSupervisor(config: GatewayConfig, logger: RootLogger): Promise<Supervisor> {
  let supervisor: Supervisor | undefined;
  const tls = httpsOptions(config);
  const frontend = new StickyFrontend({
    host: config.frontend.host,
    port: config.frontend.port,
    ...(tls ? { tls } : {}),
    canRoute: () => supervisor?.canRoute() ?? false,
    logger: logger.child({ component: 'frontend' }),
  });
  // Bound before any worker starts: a port in use stops the instance at once, and port 0 is picked once for good.
  const port = await frontend.listen();
  logger.info({ port, host: config.frontend.host, tls: tls !== undefined }, 'supervisor listening; connections are handed to workers per session');
  supervisor = new Supervisor(config, logger, Math.random, port);
  supervisor.start();
  // /metrics of the whole instance, on the metrics port (not the workers' client port).
  const metrics = await serveSupervisorMetrics(config, logger, () => supervisor.metrics.metricsText());
  const channel = controlChannelFor(config, logger.child({ component: 'control' }), `supervisor-${process.pid}`);
  // Renewed certificate files take effect with a restart, as the workers' other settings do.
  const reloadTls = (): void => {
    if (!tls) return;
    try {
      frontend.setSecureContext(httpsOptions(config)!);
    } catch (err) {
      logger.error({ err }, 'could not read the TLS files again; the previous certificate stays in use');
    }
  };
  const service = new ControlService(channel, new SupervisorControl(supervisor, logger, reloadTls), {
    instance: `${hostname()}:${process.pid}`,
    pid: process.pid,
    shutdownCode: config.frontend.shutdownCode,
    defaultResendInterval: config.frontend.clientMessageResendInterval,
    logger: logger.child({ component: 'control' }),
  });
  service.start().catch((err: unknown) => logger.error({ err }, 'control channel unavailable for now; subscribing again when Redis is back'));
  const running = supervisor;
  const removeSignals = onStopSignals((mode) => void running.shutdown(mode, DEFAULT_GRACE_MS));
  void supervisor.done.then(async () => {
    frontend.close();
    service.stop();
    removeSignals();
    await channel.close().catch((err: unknown) => logger.warn({ err }, 'control channel close failed'));
    await metrics.close();
  });
  return supervisor;
}
