import type { AddressInfo } from 'node:net';
import fastify, { type FastifyInstance } from 'fastify';
import { ReconnectKeyCodec } from '../../src/domain/reconnect-key.js';
import type { Gateway } from '../../src/application/gateway.js';
import type { GatewaySettings } from '../../src/application/gateway-settings.js';
import { SystemClock } from '../../src/adapters/clock/system-clock.js';
import { DemoAgent } from '../../src/adapters/demo/demo-agent.js';
import { InMemoryMessageBus } from '../../src/adapters/memory/in-memory-message-bus.js';
import { InMemorySessionStore } from '../../src/adapters/memory/in-memory-session-store.js';
import { HandshakeGuard, type HandshakeGuardOptions } from '../../src/adapters/edge/handshake-guard.js';
import { registerSocketIoTransport } from '../../src/adapters/socketio/socketio-transport.js';
import { registerWebSocketTransport } from '../../src/adapters/websocket/websocket-transport.js';
import { createGateway } from '../../src/library/create-gateway.js';
import { CountingMetrics, MemoryLogger } from './fakes.js';
import { TestSocket, type TransportName } from './test-socket.js';

export const TEST_SECRET = 'test-secret-0123456789abcdef0123456789abcdef';

export interface EmbeddedGatewayOptions {
  resendIntervalMs?: number;
  maxResends?: number;
  sessionMaxAgeMs?: number;
  maxPayloadBytes?: number;
  rateLimit?: GatewaySettings['rateLimit'];
  /** Start the demo agent (default true). */
  demoAgent?: boolean;
  /** Migration window for the original gateway's keys (epoch ms). */
  legacyKeysAcceptUntil?: number;
  /** A store shared with other gateways (instances of one deployment). */
  store?: InMemorySessionStore;
  /** Socket.IO ping interval / timeout (ms), also the WebSocket heartbeat. */
  pingIntervalMs?: number;
  pingTimeoutMs?: number;
  /** Origin and per-address checks on both transports (none when absent), logged to `logger`. */
  guard?: HandshakeGuardOptions;
  /** Socket.IO transports (default websocket only). */
  socketIoTransports?: Array<'websocket' | 'polling'>;
  /** Socket.IO CORS: pages of these origins may use long-polling. */
  corsOrigins?: (origin: string) => boolean;
}

export interface EmbeddedGateway {
  readonly app: FastifyInstance;
  readonly gateway: Gateway;
  readonly url: string;
  readonly port: number;
  readonly bus: InMemoryMessageBus;
  readonly store: InMemorySessionStore;
  readonly clock: SystemClock;
  readonly agent: DemoAgent | undefined;
  readonly logger: MemoryLogger;
  readonly metrics: CountingMetrics;
  readonly keys: ReconnectKeyCodec;
  /** A connected test socket over `transport`. */
  socket(transport?: TransportName): Promise<TestSocket>;
  close(): Promise<void>;
}

/**
 * The gateway core on in-memory adapters with both transports (Socket.IO
 * at /socket.io, raw WebSocket at /ws) on one fastify server, listening on
 * 127.0.0.1, port 0: built through the public API (createGateway and the
 * transports), as an embedder would.
 */
export async function startEmbeddedGateway(opts: EmbeddedGatewayOptions = {}): Promise<EmbeddedGateway> {
  const bus = new InMemoryMessageBus();
  const store = opts.store ?? new InMemorySessionStore();
  const clock = new SystemClock();
  const logger = new MemoryLogger();
  const metrics = new CountingMetrics();
  const sessionMaxAgeMs = opts.sessionMaxAgeMs ?? 7 * 24 * 3600_000;
  const maxPayloadBytes = opts.maxPayloadBytes ?? 1_000_000;
  const keys = new ReconnectKeyCodec({ secret: TEST_SECRET, maxAgeMs: sessionMaxAgeMs });
  const gateway = createGateway({
    bus,
    store,
    clock,
    logger,
    metrics,
    options: {
      secret: TEST_SECRET,
      instance: 'test',
      sessionMaxAgeMs,
      resendIntervalMs: opts.resendIntervalMs ?? 7500,
      maxResends: opts.maxResends ?? 10,
      maxPayloadBytes,
      rateLimit: opts.rateLimit ?? { burst: 1000, perSecond: 1000, disconnectAfter: 20 },
      ...(opts.legacyKeysAcceptUntil !== undefined ? { legacyKeysAcceptUntil: opts.legacyKeysAcceptUntil } : {}),
    },
  });
  const app = fastify({ logger: false });
  const pingIntervalMs = opts.pingIntervalMs ?? 20_000;
  const pingTimeoutMs = opts.pingTimeoutMs ?? 20_000;
  const guard = opts.guard ? new HandshakeGuard(opts.guard, logger.child({ component: 'edge' })) : undefined;
  await registerSocketIoTransport(app, gateway, {
    path: '/socket.io',
    transports: opts.socketIoTransports ?? ['websocket'],
    ...(guard ? { guard } : {}),
    ...(opts.corsOrigins ? { corsOrigins: opts.corsOrigins } : {}),
    pingIntervalMs,
    pingTimeoutMs,
    maxPayloadBytes,
    maxHttpBufferSize: Math.max(4 * maxPayloadBytes, 1_000_000),
  });
  await registerWebSocketTransport(app, gateway, {
    path: '/ws',
    pingIntervalMs,
    pingTimeoutMs,
    maxPayloadBytes,
    maxFrameBytes: 4 * maxPayloadBytes,
    foreignUpgradePaths: ['/socket.io'],
    ...(guard ? { guard } : {}),
  });
  const agent = opts.demoAgent === false ? undefined : new DemoAgent(bus, logger.child({ agent: 'demo' }));
  await agent?.start();
  await app.listen({ port: 0, host: '127.0.0.1' });
  const port = (app.server.address() as AddressInfo).port;
  const url = `http://127.0.0.1:${port}`;
  return {
    app,
    gateway,
    url,
    port,
    bus,
    store,
    clock,
    agent,
    logger,
    metrics,
    keys,
    socket: (transport = 'socket.io') => TestSocket.open(url, transport),
    close: async () => {
      await gateway.close(2000);
      await app.close();
      await agent?.stop();
    },
  };
}
