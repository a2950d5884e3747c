import cluster from 'node:cluster';
import type { AddressInfo } from 'node:net';
import { hostname } from 'node:os';
import type { FastifyInstance } from 'fastify';
import type { DependencyContainer } from 'tsyringe';
import { AdminService } from '../application/admin/admin-service.js';
import { StatsResponder } from '../application/admin/stats-responder.js';
import type { Gateway } from '../application/gateway.js';
import { TOKENS, type Clock, type ControlChannel, type Logger, type SessionStore } from '../application/ports.js';
import type { StatsCollector } from '../application/stats/stats-collector.js';
import type { WorkerStats } from '../application/stats/stats-sample.js';
import { loadAdminAssets } from '../adapters/admin/admin-assets.js';
import { registerAdminRoutes } from '../adapters/admin/admin-routes.js';
import { AdminTokens } from '../adapters/admin/admin-tokens.js';
import { ProcessProbe } from '../adapters/process/process-probe.js';
import { adminTokens, type GatewayConfig } from './config/index.js';
import { ADMIN_TOKENS } from './container/admin-registrations.js';
import { MAIN_TOKENS, type HealthReport } from './container/index.js';

/** One sample a second: 600 of them make the page's ten minutes. */
export const STATS_INTERVAL_MS = 1000;

export interface AdminMountOptions {
  /** The server the page is served on: the client port's, or a separate one (e.g. the metrics port). */
  readonly app: FastifyInstance;
  /** This worker's presence name. */
  readonly instance: string;
  readonly gateway: Gateway;
  /** Not taking new sockets (a graceful restart or shutdown under way). */
  readonly isDraining: () => boolean;
  readonly logger: Logger;
}

export interface AdminMount {
  close(): Promise<void>;
}

/**
 * frontend.admin.enabled: this worker samples its stats once a second,
 * answers `stats` requests on the admin bus, and serves /admin on `app`.
 * Call before `app` listens (routes cannot be added after).
 */
export async function mountAdmin(c: DependencyContainer, config: GatewayConfig, opts: AdminMountOptions): Promise<AdminMount> {
  const log = opts.logger.child({ component: 'admin' });
  const stats = c.resolve<StatsCollector>(ADMIN_TOKENS.Stats);
  const bus = c.resolve<ControlChannel>(ADMIN_TOKENS.AdminBus);
  const health = c.resolve<HealthReport>(MAIN_TOKENS.Health);
  const probe = new ProcessProbe();
  // On the wall clock's whole seconds: samples of every worker then fall in
  // the same one-second bucket of the charts even when a timer runs late.
  let sampler: NodeJS.Timeout | undefined;
  // A timer that fired a little early does not take a second sample straight away.
  const untilNextSecond = (): number => {
    const delay = STATS_INTERVAL_MS - (Date.now() % STATS_INTERVAL_MS);
    return delay < STATS_INTERVAL_MS / 4 ? delay + STATS_INTERVAL_MS : delay;
  };
  const scheduleSample = (): void => {
    sampler = setTimeout(() => {
      stats.sample(Date.now(), probe.read());
      scheduleSample();
    }, untilNextSecond());
    sampler.unref();
  };
  scheduleSample();

  const startedAt = Date.now();
  let port = config.frontend.port;
  const source = (since: number): WorkerStats => {
    port = (opts.app.server.address() as AddressInfo | null)?.port ?? port;
    const { rss, heapUsed, heapTotal } = process.memoryUsage();
    return {
      instance: opts.instance,
      host: hostname(),
      port,
      pid: process.pid,
      ...(cluster.isWorker ? { supervisorPid: process.ppid } : {}),
      startedAt,
      now: Date.now(),
      clients: opts.gateway.clientCount,
      heldPushes: stats.heldPushes,
      draining: opts.isDraining(),
      memory: { rss, heapUsed, heapTotal },
      limits: {
        rssLimitMb: config.cluster.memoryLimit.rss,
        heapUsedLimitMb: config.cluster.memoryLimit.heapUsed,
        rssWarningMb: config.cluster.memoryWarning.rss,
        heapTotalWarningMb: config.cluster.memoryWarning.heapTotal,
      },
      loopLagMs: stats.lastSample()?.loopLagMs ?? 0,
      health: health(),
      samples: stats.samplesSince(since),
    };
  };
  const responder = new StatsResponder(bus, source, log);
  const service = new AdminService(
    {
      adminBus: bus,
      control: c.resolve<ControlChannel>(TOKENS.ControlChannel),
      store: c.resolve<SessionStore>(TOKENS.SessionStore),
      clock: c.resolve<Clock>(TOKENS.Clock),
      logger: log,
    },
    { intervalMs: STATS_INTERVAL_MS },
  );
  // Redis may be down at start: both channels subscribe again once it is back.
  await Promise.all([responder.start(), service.start()]).catch((err: unknown) =>
    log.error({ err }, 'admin bus unavailable for now; subscribing again when Redis is back'));
  registerAdminRoutes(opts.app, { service, tokens: new AdminTokens(adminTokens(config)), assets: await loadAdminAssets(), logger: log });
  log.info({ tokens: config.frontend.admin.tokens.length }, 'admin page at /admin');

  return {
    close: async () => {
      responder.stop();
      clearTimeout(sampler);
      probe.stop();
      await bus.close().catch((err: unknown) => log.warn({ err }, 'admin bus close failed'));
    },
  };
}
