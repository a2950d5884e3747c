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

/** Which server of this process serves /admin, if any. */
export type AdminPageHome = 'metrics-port' | 'client-port' | 'supervisor';

/**
 * Where /admin is served: beside /metrics on the internal port whenever
 * that port is on (a single process serves it there itself; a cluster's
 * supervisor serves it for its instance, so its workers do not), and on
 * the client port only with `frontend.metrics.port=0`.
 */
export function adminPageHome(config: GatewayConfig): AdminPageHome {
  if (config.frontend.metrics.port === 0) return 'client-port';
  return cluster.isWorker ? 'supervisor' : 'metrics-port';
}

export interface WorkerStatsOptions {
  /** The client port's server, read for the port it listens on (a cluster worker's listens nowhere). */
  readonly clientApp: FastifyInstance;
  /** This worker's presence name. */
  readonly instance: string;
  readonly gateway: Gateway;
  /** Not taking new sockets (a graceful restart or shutdown under way). */
  readonly isDraining: () => boolean;
  readonly logger: Logger;
}

export interface AdminPart {
  close(): Promise<void>;
}

/**
 * The worker's part of frontend.admin.enabled, in every worker wherever the
 * page is served: sample this worker's stats once a second and answer the
 * `stats` requests on the admin bus.
 */
export async function startWorkerStats(c: DependencyContainer, config: GatewayConfig, opts: WorkerStatsOptions): Promise<AdminPart> {
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
    port = (opts.clientApp.server.address() as AddressInfo | null)?.port ?? port;
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
  // Redis may be down at start: the channel subscribes again once it is back.
  await responder.start().catch((err: unknown) =>
    log.error({ err }, 'admin bus unavailable for now; subscribing again when Redis is back'));

  return {
    close: async () => {
      responder.stop();
      clearTimeout(sampler);
      probe.stop();
      await closeAdminBus(bus, log);
    },
  };
}

export interface AdminPage extends AdminPart {
  /** Adds /admin, its files and its API to a server that does not listen yet. */
  mount(app: FastifyInstance): void;
}

/**
 * The page's part: an AdminService that asks every worker of the deployment
 * over the admin bus and sends console commands on the control channel,
 * both resolved from `c` (a worker's container, or the supervisor's), and
 * the routes that serve it.
 */
export async function startAdminPage(c: DependencyContainer, config: GatewayConfig, logger: Logger): Promise<AdminPage> {
  const log = logger.child({ component: 'admin' });
  const bus = c.resolve<ControlChannel>(ADMIN_TOKENS.AdminBus);
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
  await service.start().catch((err: unknown) =>
    log.error({ err }, 'admin bus unavailable for now; subscribing again when Redis is back'));
  const deps = { service, tokens: new AdminTokens(adminTokens(config)), assets: await loadAdminAssets(), logger: log };
  return {
    mount: (app) => registerAdminRoutes(app, deps),
    close: () => closeAdminBus(bus, log),
  };
}

export interface AdminPageWhere {
  readonly home: AdminPageHome;
  /** The client port's scheme (the metrics port is plain HTTP). */
  readonly scheme: string;
  readonly clientPort: number;
  /** The metrics port bound; undefined when it is not up. */
  readonly metricsPort: number | undefined;
}

/**
 * Logs where the page is served and returns its address (for the embedded
 * banner); undefined, logged as an error, when the metrics port it was to
 * share could not be bound.
 */
export function announceAdminPage(logger: Logger, config: GatewayConfig, where: AdminPageWhere): string | undefined {
  const log = logger.child({ component: 'admin' });
  const { host, port } = config.frontend.metrics;
  let url: string | undefined;
  if (where.home === 'client-port') url = `${where.scheme}://localhost:${where.clientPort}/admin`;
  else if (where.metricsPort !== undefined) {
    const shown = host === '0.0.0.0' || host === '::' ? 'localhost' : host.includes(':') ? `[${host}]` : host;
    url = `http://${shown}:${where.metricsPort}/admin`;
  }
  if (url) log.info({ url, on: where.home === 'client-port' ? 'client port' : 'metrics port', tokens: config.frontend.admin.tokens.length }, 'admin page at /admin');
  else log.error({ port, host }, 'admin page not served: the metrics port it is served on is not up');
  return url;
}

/** A worker's two parts share the bus: whichever closes first closes it, the second close does nothing. */
async function closeAdminBus(bus: ControlChannel, log: Logger): Promise<void> {
  await bus.close().catch((err: unknown) => log.warn({ err }, 'admin bus close failed'));
}
