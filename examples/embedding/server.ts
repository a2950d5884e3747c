import { pathToFileURL } from 'node:url';
import { createGateway, SilentLogger, type Gateway } from 'activestack-gateway';
import { DemoAgent, InMemoryMessageBus, InMemorySessionStore } from 'activestack-gateway/memory';
import { listenNdjson } from './ndjson-transport.js';

export interface ExampleServer {
  readonly port: number;
  readonly gateway: Gateway;
  readonly bus: InMemoryMessageBus;
  readonly agent: DemoAgent;
  /** The shutdown, in order. */
  close(): Promise<void>;
}

const MAX_PAYLOAD_BYTES = 64 * 1024;

/**
 * The gateway core on in-memory adapters with the demo agent (user demo,
 * password demo), reached over the NDJSON transport on 127.0.0.1:`port`.
 */
export async function startServer(port: number): Promise<ExampleServer> {
  const logger = new SilentLogger();
  const bus = new InMemoryMessageBus();
  const store = new InMemorySessionStore();
  const gateway = createGateway({
    bus,
    store,
    logger,
    options: {
      // Gateways sharing this secret can resume each other's clients; keep it out of code in production.
      secret: process.env.GATEWAY_SECRET ?? 'example-secret-change-me-0123456789abcdef',
      maxPayloadBytes: MAX_PAYLOAD_BYTES,
      // Short, so that the client sees a push re-sent until it acks it (default 7500).
      resendIntervalMs: 1_000,
    },
  });
  const agent = new DemoAgent(bus, logger);
  await agent.start();
  const transport = await listenNdjson(gateway, { port, maxLineBytes: 4 * MAX_PAYLOAD_BYTES, idleTimeoutMs: 30_000 });

  return {
    port: transport.port,
    gateway,
    bus,
    agent,
    close: async () => {
      // 1. no new connections; 2. every client closes as `server-shutdown`
      // (told to resume elsewhere), sends its DisconnectRequest, cancels its
      // consumer and returns its unacked deliveries; 3. the connections are
      // gone; 4. then what the clients used: the agent, the bus, the store.
      const transportClosed = transport.close();
      await gateway.close(5_000);
      await transportClosed;
      await agent.stop();
      await bus.close();
      await store.close();
    },
  };
}

if (import.meta.url === pathToFileURL(process.argv[1] ?? '').href) {
  const server = await startServer(Number(process.env.PORT ?? 7070));
  console.log(`NDJSON gateway on 127.0.0.1:${server.port} (demo user: demo / demo); Ctrl-C stops it`);
  const stop = async (): Promise<void> => {
    await server.close();
    console.log('stopped');
  };
  process.once('SIGINT', () => void stop());
  process.once('SIGTERM', () => void stop());
}
