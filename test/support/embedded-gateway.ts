import type { AddressInfo } from 'node:net';
import { AgentRouter } from '../../src/domain/agent-router.js';
import { ReconnectKeyCodec } from '../../src/domain/reconnect-key.js';
import { SystemClock } from '../../src/adapters/clock/system-clock.js';
import { DemoAgent } from '../../src/adapters/demo/demo-agent.js';
import { InMemoryMessageBus } from '../../src/adapters/memory/in-memory-message-bus.js';
import { InMemorySessionStore } from '../../src/adapters/memory/in-memory-session-store.js';
import { buildGateway, type BuiltGateway } from '../../src/main/build-gateway.js';
import type { GatewayOptions } from '../../src/application/gateway.js';
import { CountingMetrics, MemoryLogger } from './fakes.js';

export const TEST_SECRET = 'test-secret-0123456789abcdef0123456789abcdef';

export interface EmbeddedGatewayOptions {
  resendIntervalMs?: number;
  maxResends?: number;
  sessionMaxAgeMs?: number;
  maxPayloadBytes?: number;
  rateLimit?: { burst: number; perSecond: number; disconnectAfter: number };
  /** Start the demo agent (default true). */
  demoAgent?: boolean;
}

export interface EmbeddedGateway extends BuiltGateway {
  readonly url: string;
  readonly port: number;
  readonly bus: InMemoryMessageBus;
  readonly store: InMemorySessionStore;
  readonly clock: SystemClock;
  readonly agent: DemoAgent | undefined;
  readonly logger: MemoryLogger;
  readonly metrics: CountingMetrics;
  readonly keys: ReconnectKeyCodec;
  close(): Promise<void>;
}

/** The gateway on in-memory adapters, listening on 127.0.0.1, port 0. */
export async function startEmbeddedGateway(opts: EmbeddedGatewayOptions = {}): Promise<EmbeddedGateway> {
  const bus = new InMemoryMessageBus();
  const store = new InMemorySessionStore();
  const clock = new SystemClock();
  const logger = new MemoryLogger();
  const metrics = new CountingMetrics();
  const keys = new ReconnectKeyCodec({ secret: TEST_SECRET, maxAgeMs: opts.sessionMaxAgeMs ?? 7 * 24 * 3600_000 });
  const options: GatewayOptions = {
    instance: 'test',
    client: {
      resendIntervalMs: opts.resendIntervalMs ?? 7500,
      maxResends: opts.maxResends ?? 10,
      sessionMaxAgeMs: opts.sessionMaxAgeMs ?? 7 * 24 * 3600_000,
    },
    maxPayloadBytes: opts.maxPayloadBytes ?? 1_000_000,
    rateLimit: opts.rateLimit ?? { burst: 1000, perSecond: 1000, disconnectAfter: 20 },
    router: new AgentRouter(),
    keys,
  };
  const built = await buildGateway({ bus, store, clock, logger, metrics }, options, {
    path: '/socket.io',
    transports: ['websocket'],
    pingIntervalMs: 20_000,
    pingTimeoutMs: 20_000,
    maxHttpBufferSize: Math.max(4 * options.maxPayloadBytes, 1_000_000),
  });
  const agent = opts.demoAgent === false ? undefined : new DemoAgent(bus, logger.child({ agent: 'demo' }));
  await agent?.start();
  await built.app.listen({ port: 0, host: '127.0.0.1' });
  const port = (built.app.server.address() as AddressInfo).port;
  return {
    ...built,
    url: `http://127.0.0.1:${port}`,
    port,
    bus,
    store,
    clock,
    agent,
    logger,
    metrics,
    keys,
    close: async () => {
      await built.app.close();
      await agent?.stop();
    },
  };
}
