// Type-checked (tsc --noEmit, strict, skipLibCheck off) in a temporary
// folder against the installed package's own .d.ts files: each entry is
// an export with types, the ports can be implemented by an embedder, and
// what must not compile does not (each @ts-expect-error fails the check if
// its line compiles).
import {
  createGateway,
  type ChannelAcceptor,
  type CloseReason,
  type CreateGatewayOptions,
  type Gateway,
  type GatewaySettings,
  type InboundMessage,
  type Logger,
  type MessageBus,
  type OutboundEvent,
  type SessionStore,
  type SocketChannel,
} from 'activestack-gateway';
import { AgentRouter, Client, ReconnectKeyCodec, type Effect, type DisconnectNotice, type LegacyKeyOutcome } from 'activestack-gateway/domain';
import { DEMO_USER, DemoAgent, InMemoryMessageBus, InMemorySessionStore, ManualClock, MemorySocketChannel } from 'activestack-gateway/memory';
import { AmqpMessageBus, amqpUrl, type AmqpMessageBusOptions } from 'activestack-gateway/amqp';
import { createRedisClient, RedisSessionStore, type RedisSessionStoreOptions } from 'activestack-gateway/redis';
import { HandshakeGuard, registerSocketIoTransport, type HandshakeGuardOptions, type SocketIoTransportOptions } from 'activestack-gateway/socketio';
import { CLOSE_RESUME, HandshakeGuard as SameGuard, registerWebSocketTransport, type WebSocketTransportOptions } from 'activestack-gateway/websocket';
import { createClient, type ActiveStackClient } from 'activestack-gateway/client';

/** A transport of one's own. */
class MyChannel implements SocketChannel {
  readonly id = 'mine-1';
  readonly transport = 'mine';
  private handler: ((message: InboundMessage) => void) | undefined;
  send(event: OutboundEvent, data: unknown): void {
    void event;
    void data;
  }
  close(reason: CloseReason, resumable: boolean): void {
    const notice: DisconnectNotice = { reason, resumable };
    void notice;
  }
  onMessage(handler: (message: InboundMessage) => void): void {
    this.handler = handler;
  }
  onClose(handler: (cause: string) => void): void {
    void handler;
  }
  receiveLine(line: string): void {
    this.handler?.({ event: 'message', payload: JSON.parse(line), bytes: Buffer.byteLength(line), binary: false });
  }
}

const settings: GatewaySettings = { secret: 'x'.repeat(32), resendIntervalMs: 1000, loginMaxAgeMs: 86_400_000, rateLimit: { burst: 10 } };
const outcome: LegacyKeyOutcome = 'accepted';
void outcome;
const bus: MessageBus = new InMemoryMessageBus();
const store: SessionStore = new InMemorySessionStore();
const options: CreateGatewayOptions = { bus, store, clock: new ManualClock(), options: settings };
const gateway: Gateway = createGateway(options);
const acceptor: ChannelAcceptor = gateway;
acceptor.accept(new MyChannel());
acceptor.accept(new MemorySocketChannel());
const count: number = gateway.clientCount;
gateway.disconnectAll('server-shutdown');
const closed: Promise<boolean> = gateway.close();
void count;
void closed;

// @ts-expect-error the secret is required
createGateway({ bus, store, options: {} });
// @ts-expect-error close reasons are a closed set
gateway.disconnectAll('because');
// @ts-expect-error a channel must report its close
const incomplete: SocketChannel = { id: 'x', transport: 'x', send() {}, close() {}, onMessage() {} };
void incomplete;
// @ts-expect-error outbound events are the protocol's
new MyChannel().send('anything', {});
// @ts-expect-error deep imports are not exported
void import('activestack-gateway/dist/library/index.js');

// The domain on its own: inputs in, effects out.
const keys = new ReconnectKeyCodec({ secret: settings.secret, maxAgeMs: 60_000 });
const client = new Client({
  clientId: 'a'.repeat(32),
  router: new AgentRouter({}),
  keys,
  options: { resendIntervalMs: 1000, maxResends: 10, limits: { maxPayloadBytes: 1024, burst: 10, perSecond: 10, disconnectAfter: 3 } },
  now: 0,
});
const effects: Effect[] = client.receive({ event: 'message', payload: { connect: {} }, bytes: 22, binary: false }, 0);
const types: Array<Effect['type']> = effects.map((e) => e.type);
void types;

// The real adapters and the shipped transports.
const logger: Logger = { trace() {}, debug() {}, info() {}, warn() {}, error() {}, child: () => logger };
const amqpOptions: AmqpMessageBusOptions = {
  urls: [amqpUrl({ host: '127.0.0.1' })],
  durable: true,
  prefetch: 10,
  reconnect: { initialMs: 100, maxMs: 10_000 },
};
const amqpBus: MessageBus = new AmqpMessageBus(amqpOptions, logger);
const start: () => Promise<void> = () => (amqpBus as AmqpMessageBus).start();
const storeOptions: RedisSessionStoreOptions = { client: createRedisClient({ host: '127.0.0.1', port: 6379 }, logger), keyPrefix: 'app:' };
const redisStore: SessionStore = new RedisSessionStore(storeOptions);
const guardOptions: HandshakeGuardOptions = { allowedOrigins: [], perAddress: 0, perAddressPerSecond: 0, trustedProxies: [] };
const guard: SameGuard = new HandshakeGuard(guardOptions, logger);
const sio: SocketIoTransportOptions = { path: '/socket.io', transports: ['websocket'], pingIntervalMs: 25_000, pingTimeoutMs: 20_000, maxPayloadBytes: 1_000_000, maxHttpBufferSize: 4_000_000, guard };
const ws: WebSocketTransportOptions = { path: '/ws', pingIntervalMs: 25_000, pingTimeoutMs: 20_000, maxPayloadBytes: 1_000_000, maxFrameBytes: 4_000_000, foreignUpgradePaths: ['/socket.io'], guard };
const resume: 4000 = CLOSE_RESUME;
const agent = new DemoAgent(new InMemoryMessageBus(), logger);
const user: string = DEMO_USER.username;
const sdk: ActiveStackClient = createClient({ url: 'http://localhost:8080' });
void [start, redisStore, sio, ws, resume, agent, user, sdk, registerSocketIoTransport, registerWebSocketTransport];
