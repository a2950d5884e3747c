import { hostname } from 'node:os';
import { ControlService, DEFAULT_GRACE_MS } from '../../application/control.js';
import type { GatewayConfig } from '../config/index.js';
import type { RootLogger } from '../logger.js';
import { serveSupervisorMetrics } from '../metrics-endpoint.js';
import { pickClusterPort } from './cluster-port.js';
import { controlChannelFor } from '../container/index.js';
import { onStopSignals } from './signals.js';
import { Supervisor } from './supervisor.js';
import { SupervisorControl } from './supervisor-control.js';

/**
 * The cluster primary. Only it listens to the control channel, so each
 * command runs once per instance and is fanned out to the workers over IPC
 * (a rolling restart needs one coordinator anyway); replies are per worker.
 */
export async function runSupervisor(config: GatewayConfig, logger: RootLogger): Promise<Supervisor> {
  const port = config.frontend.port === 0 ? await pickClusterPort(config.frontend.host) : undefined;
  if (port !== undefined) logger.info({ port }, 'frontend.port is 0: every worker listens on this port');
  const supervisor = new Supervisor(config, logger, Math.random, port);
  supervisor.start();
  // /metrics of the whole instance, on the metrics port (not the workers' client port).
  const metrics = await serveSupervisorMetrics(config, logger, () => supervisor.metrics.metricsText());
  const channel = controlChannelFor(config, logger.child({ component: 'control' }), `supervisor-${process.pid}`);
  const service = new ControlService(channel, new SupervisorControl(supervisor, logger), {
    instance: `${hostname()}:${process.pid}`,
    pid: process.pid,
    shutdownCode: config.frontend.shutdownCode,
    defaultResendInterval: config.frontend.clientMessageResendInterval,
    logger: logger.child({ component: 'control' }),
  });
  service.start().catch((err: unknown) => logger.error({ err }, 'control channel unavailable for now; subscribing again when Redis is back'));
  const removeSignals = onStopSignals((mode) => void supervisor.shutdown(mode, DEFAULT_GRACE_MS));
  void supervisor.done.then(async () => {
    service.stop();
    removeSignals();
    await channel.close().catch((err: unknown) => logger.warn({ err }, 'control channel close failed'));
    await metrics.close();
  });
  return supervisor;
}
