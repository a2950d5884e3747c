import { hostname } from 'node:os';
import { ControlService, DEFAULT_GRACE_MS } from '../../application/control.js';
import { TOKENS, type ControlChannel, type SessionStore } from '../../application/ports.js';
import { adminPageHome, announceAdminPage, startAdminPage } from '../admin.js';
import { httpsOptions, type GatewayConfig } from '../config/index.js';
import type { RootLogger } from '../logger.js';
import { serveSupervisorMetrics } from '../metrics-endpoint.js';
import { createContainer } from '../container/index.js';
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
  // What the supervisor talks to, from the composition root: the control
  // channel; with the admin page, also the admin bus and the store's presence.
  const c = createContainer(config, { logger, instance: `supervisor-${process.pid}` });
  const channel = c.resolve<ControlChannel>(TOKENS.ControlChannel);
  // The admin page for the whole instance (every worker answers it on the
  // admin bus), beside /metrics; with the metrics port off, each worker
  // serves it on the client port instead.
  const adminPage = config.frontend.admin.enabled && adminPageHome(config) === 'metrics-port' ? await startAdminPage(c, config, logger) : undefined;
  // /metrics of the whole instance, on the metrics port (not the workers' client port).
  const metrics = await serveSupervisorMetrics(config, logger, () => supervisor.metrics.metricsText(), adminPage?.mount);
  if (adminPage) announceAdminPage(logger, config, { home: 'metrics-port', scheme: tls ? 'https' : 'http', clientPort: port, metricsPort: metrics.port });
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
    await metrics.close();
    await adminPage?.close();
    await channel.close().catch((err: unknown) => logger.warn({ err }, 'control channel close failed'));
    if (adminPage) await c.resolve<SessionStore>(TOKENS.SessionStore).close().catch((err: unknown) => logger.warn({ err }, 'session store close failed'));
  });
  return supervisor;
}
