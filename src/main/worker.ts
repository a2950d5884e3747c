import { hostname } from 'node:os';
import type { AddressInfo } from 'node:net';
import fastify, { type FastifyServerOptions } from 'fastify';
import { Gateway } from '../application/gateway.js';
import { TOKENS, type ControlChannel, type Logger, type MessageBus, type Metrics, type SessionStore } from '../application/ports.js';
import type { Registry } from 'prom-client';
import type { AmqpMessageBus } from '../adapters/amqp/amqp-message-bus.js';
import { brokerReadiness } from '../adapters/amqp/amqp-status-report.js';
import { registerHttpRoutes, type Readiness } from '../adapters/http/routes.js';
import { registerBrokerStatusMetrics } from '../adapters/metrics/broker-status-metrics.js';
import { PromMetrics } from '../adapters/metrics/prom-metrics.js';
import { registerClientAssets } from '../client/serve.js';
import { httpsOptions, type GatewayConfig } from './config/index.js';
import { createContainer, MAIN_TOKENS, type TransportMount, type WorkerServices } from './container/index.js';
import { serveFromPrimary } from './cluster/sticky-worker.js';
import { adminPageHome, announceAdminPage, startAdminPage, startWorkerStats } from './admin.js';
import { createLogger, type RootLogger } from './logger.js';
import { serveWorkerMetrics } from './metrics-endpoint.js';

export interface RunningWorker {
  /** The port actually bound. */
  readonly port: number;
  /** Names this worker in presence and control replies. */
  readonly instance: string;
  readonly control: ControlChannel;
  clientCount(): number;
  setLogLevel(level: string): void;
  setResendInterval(ms: number): void;
  /** New sockets are refused from now on. */
  stopAccepting(): void;
  /** True once no client is left, false after timeoutMs. */
  waitForClients(timeoutMs: number): Promise<boolean>;
  /** The shutdown, in the order written in close() below. Idempotent. */
  close(): Promise<void>;
  readiness(): Readiness;
}

export interface StartWorkerOptions {
  logger?: Logger & Partial<Pick<RootLogger, 'setLevel'>>;
  metrics?: Metrics & { metricsText?(): Promise<string> };
  /**
   * A cluster worker: the supervisor listens on frontend.port and hands this
   * worker its connections (sticky sessions); the worker binds nothing.
   */
  servedByPrimary?: boolean;
}

/**
 * One worker: resolves the gateway and its adapters from the container
 * (in-memory in embedded mode, RabbitMQ and Redis otherwise), mounts the
 * transports and the HTTP routes on one fastify server, and listens.
 */
export async function startWorker(config: GatewayConfig, opts: StartWorkerOptions = {}): Promise<RunningWorker> {
  const logger = opts.logger ?? createLogger(config);
  const instance = `${hostname()}:${config.frontend.port}:${process.pid}`;
  const c = createContainer(config, { logger, instance, ...(opts.metrics ? { metrics: opts.metrics } : {}) });
  const services = c.resolve<WorkerServices>(MAIN_TOKENS.Services);
  await services.start();
  const bus = c.resolve<MessageBus>(TOKENS.MessageBus);
  const store = c.resolve<SessionStore>(TOKENS.SessionStore);
  const metrics = c.resolve<Metrics & { metricsText?(): Promise<string> }>(MAIN_TOKENS.ExportedMetrics);
  const gateway = c.resolve(Gateway);

  const https = config.frontend.ssl ? httpsOptions(config) : undefined;
  const app = fastify({ logger: false, ...(https ? { https } : {}) } as FastifyServerOptions);
  for (const transport of c.resolve<TransportMount[]>(MAIN_TOKENS.Transports)) await transport.mount(app, gateway);

  let closing = false;
  const brokerStatus = c.isRegistered(MAIN_TOKENS.BrokerStatus) ? c.resolve<() => ReturnType<AmqpMessageBus['status']>>(MAIN_TOKENS.BrokerStatus) : undefined;
  const registry = (metrics as { registry?: Registry }).registry;
  if (brokerStatus && registry) registerBrokerStatusMetrics(registry, brokerStatus);
  const readiness = (): Readiness => {
    const broker = bus.isConnected();
    const redis = store.isConnected();
    return { ready: broker && redis && !closing, broker, redis, ...(brokerStatus ? { brokerStatus: brokerReadiness(brokerStatus()) } : {}) };
  };
  registerHttpRoutes(app, { readiness });
  await registerClientAssets(app, { demo: config.frontend.embedded });
  // frontend.admin.enabled: every worker keeps its stats and answers the
  // admin bus; the page itself goes beside /metrics (this process's metrics
  // server, or the supervisor's), on `app` only when the metrics port is off.
  const isDraining = (): boolean => closing || !gateway.isAccepting;
  const adminStats = config.frontend.admin.enabled
    ? await startWorkerStats(c, config, { clientApp: app, instance, gateway, isDraining, logger })
    : undefined;
  const pageHome = adminPageHome(config);
  const adminPage = config.frontend.admin.enabled && pageHome !== 'supervisor' ? await startAdminPage(c, config, logger) : undefined;
  if (adminPage && pageHome === 'client-port') adminPage.mount(app);
  // /metrics is never on the client port (frontend.metrics.*; a cluster worker hands its registry to the supervisor).
  const metricsEndpoint = await serveWorkerMetrics(
    config,
    logger,
    metrics as Metrics & { registry?: PromMetrics['registry'] },
    adminPage && pageHome === 'metrics-port' ? adminPage.mount : undefined,
  );

  // Presence of this worker's clients expires if the worker dies.
  const ttl = config.gateway.presenceTtl;
  const refresh = (): void => {
    store.refreshInstance(instance, ttl).catch((err: unknown) => logger.debug({ err }, 'presence refresh failed'));
  };
  refresh();
  const presenceTimer = setInterval(refresh, Math.max(1000, Math.floor(ttl / 3)));
  presenceTimer.unref();

  let port = config.frontend.port;
  if (opts.servedByPrimary) {
    await serveFromPrimary(app);
  } else {
    await app.listen({ port: config.frontend.port, host: config.frontend.host });
    port = (app.server.address() as AddressInfo).port;
  }
  const transports = c.resolve<TransportMount[]>(MAIN_TOKENS.Transports).map((t) => t.name);
  logger.info({ port, instance, transports, embedded: config.frontend.embedded, tls: Boolean(https) }, 'gateway listening');
  const adminUrl = adminPage
    ? announceAdminPage(logger, config, { home: pageHome, scheme: https ? 'https' : 'http', clientPort: port, metricsPort: metricsEndpoint.port })
    : undefined;
  if (config.frontend.embedded) process.stdout.write(embeddedBanner(config, https ? 'https' : 'http', port, adminUrl));

  let closed: Promise<void> | undefined;
  let listening = !opts.servedByPrimary;
  // Refuse new sockets in the core, and stop listening so that a load
  // balancer sends new connections elsewhere (a cluster's primary already
  // routes new sessions away from a worker that stops).
  const stopAccepting = (): void => {
    gateway.stopAccepting();
    if (!listening) return;
    listening = false;
    app.server.close();
  };
  const close = async (): Promise<void> => {
    closing = true;
    // 1. no new sockets; 2. close every socket (`server-shutdown`): each
    // client sends its DisconnectRequest, cancels its consumer and returns
    // its deliveries; 3. wait (bounded) for that; 4. close HTTP and the
    // transports; 5. close the demo agent, control channel, Redis and the
    // broker connection.
    stopAccepting();
    clearInterval(presenceTimer);
    if (!(await gateway.close(5000))) logger.warn({ left: gateway.clientCount }, 'clients still closing at shutdown');
    await app.close();
    await metricsEndpoint.close();
    await adminPage?.close();
    await adminStats?.close();
    await services.close();
    logger.info('gateway closed');
  };

  return {
    port,
    instance,
    get control() {
      return c.resolve<ControlChannel>(TOKENS.ControlChannel);
    },
    clientCount: () => gateway.clientCount,
    setLogLevel: (level) => {
      if (!logger.setLevel) throw new Error('this logger cannot change its level');
      logger.setLevel(level);
    },
    setResendInterval: (ms) => gateway.setResendInterval(ms),
    stopAccepting,
    waitForClients: (timeoutMs) => gateway.waitForClients(timeoutMs),
    close: () => (closed ??= close()),
    readiness,
  };
}

function embeddedBanner(config: GatewayConfig, scheme: string, port: number, adminUrl: string | undefined): string {
  const ws = config.frontend.websocket.path;
  return [
    '',
    '  ActiveStack gateway — EMBEDDED MODE, NOT FOR PRODUCTION',
    '  In-memory broker and session store, a demo agent (user demo / password demo),',
    '  and a development session secret. Nothing survives a restart.',
    `  Demo page:  ${scheme}://localhost:${port}/`,
    `  Socket.IO:  ${scheme}://localhost:${port}${config.gateway.socketio.path} (transports: ${config.gateway.socketio.transports.join(', ')})`,
    ...(ws !== '' ? [`  WebSocket:  ${scheme === 'https' ? 'wss' : 'ws'}://localhost:${port}${ws}`] : []),
    ...(adminUrl ? [`  Admin page: ${adminUrl}`] : []),
    '  Production: activestack-gateway server <config.properties> (see README).',
    '',
    '',
  ].join('\n');
}
