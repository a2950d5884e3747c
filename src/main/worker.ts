import { hostname } from 'node:os';
import type { AddressInfo } from 'node:net';
import type { ControlChannel, Logger, Metrics } from '../application/ports.js';
import { SystemClock } from '../adapters/clock/system-clock.js';
import { registerHttpRoutes, type Readiness } from '../adapters/http/routes.js';
import { PromMetrics } from '../adapters/metrics/prom-metrics.js';
import { registerClientAssets } from '../client/serve.js';
import { buildGateway } from './build-gateway.js';
import { httpsOptions, type GatewayConfig } from './config/index.js';
import { gatewayOptions, socketIoOptions } from './gateway-options.js';
import { createLogger, type RootLogger } from './logger.js';
import { createPorts } from './ports-factory.js';
import { serveWorkerMetrics } from './metrics-endpoint.js'; // [adapter-hardening] issue 10

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
}

/**
 * The composition root of one worker: chooses the adapters (in-memory in
 * embedded mode, RabbitMQ and Redis otherwise), builds the gateway, mounts
 * the HTTP routes and listens.
 */
export async function startWorker(config: GatewayConfig, opts: StartWorkerOptions = {}): Promise<RunningWorker> {
  const logger = opts.logger ?? createLogger(config);
  const prom = opts.metrics ? undefined : new PromMetrics();
  const metrics = opts.metrics ?? prom!;
  const instance = `${hostname()}:${config.frontend.port}:${process.pid}`;
  const clock = new SystemClock();
  const ports = createPorts(config, logger);
  await ports.start();

  const https = config.frontend.ssl ? httpsOptions(config) : undefined;
  const socketIo = socketIoOptions(config);
  const { app, gateway, sockets } = await buildGateway(
    { bus: ports.bus, store: ports.store, clock, logger, metrics },
    gatewayOptions(config, instance),
    ports.socketIoAdapter ? { ...socketIo, adapter: ports.socketIoAdapter } : socketIo,
    https ? { https } : {},
  );

  const readiness = (): Readiness => {
    const broker = ports.bus.isConnected();
    const redis = ports.store.isConnected();
    return { ready: broker && redis && !closing, broker, redis };
  };
  registerHttpRoutes(app, { readiness });
  // [adapter-hardening] issue 10: /metrics is not on the client port; see metrics-endpoint.ts.
  const metricsEndpoint = await serveWorkerMetrics(config, logger, prom ?? opts.metrics ?? {});
  await registerClientAssets(app, { demo: config.frontend.embedded });

  // Presence of this worker's clients expires if the worker dies.
  const ttl = config.gateway.presenceTtl;
  const refresh = (): void => {
    ports.store.refreshInstance(instance, ttl).catch((err: unknown) => logger.debug({ err }, 'presence refresh failed'));
  };
  refresh();
  const presenceTimer = setInterval(refresh, Math.max(1000, Math.floor(ttl / 3)));
  presenceTimer.unref();

  await app.listen({ port: config.frontend.port, host: config.frontend.host });
  const port = (app.server.address() as AddressInfo).port;
  logger.info({ port, instance, embedded: config.frontend.embedded, tls: Boolean(https) }, 'gateway listening');
  if (config.frontend.embedded) process.stdout.write(embeddedBanner(https ? 'https' : 'http', port));

  let closing = false;
  let closed: Promise<void> | undefined;
  let listening = true;
  // Refuse at the Socket.IO level, and stop listening so that the cluster's
  // primary (or a load balancer) sends new connections elsewhere.
  const stopAccepting = (): void => {
    sockets.stopAccepting();
    if (!listening) return;
    listening = false;
    app.server.close();
  };
  const close = async (): Promise<void> => {
    closing = true;
    // 1. no new sockets; 2. disconnect every socket: each client sends its
    // DisconnectRequest, returns its deliveries and cancels its consumer;
    // 3. wait (bounded) for that; 4. close HTTP + Socket.IO; 5. close the
    // demo agent, control channel, Redis and the broker connection.
    stopAccepting();
    clearInterval(presenceTimer);
    gateway.disconnectAll('server-shutdown');
    if (!(await gateway.waitForClients(5000))) logger.warn({ left: gateway.clientCount }, 'clients still closing at shutdown');
    await app.close();
    await metricsEndpoint.close(); // [adapter-hardening] issue 10
    await ports.close();
    logger.info('gateway closed');
  };

  return {
    port,
    instance,
    get control() {
      return ports.control;
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

function embeddedBanner(scheme: string, port: number): string {
  return [
    '',
    '  ActiveStack gateway — EMBEDDED MODE, NOT FOR PRODUCTION',
    '  In-memory broker and session store, a demo agent (user demo / password demo),',
    '  and a development session secret. Nothing survives a restart.',
    `  Demo page:  ${scheme}://localhost:${port}/`,
    `  Socket.IO:  ${scheme}://localhost:${port}/socket.io (transports: websocket)`,
    '  Production: activestack-gateway server <config.properties> (see README).',
    '',
    '',
  ].join('\n');
}
