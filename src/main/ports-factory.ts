import { createAdapter } from '@socket.io/redis-adapter';
import type { ServerOptions } from 'socket.io';
import type { ControlChannel, Logger, MessageBus, SessionStore } from '../application/ports.js';
import { AmqpMessageBus } from '../adapters/amqp/amqp-message-bus.js';
import { amqpUrl } from '../adapters/amqp/amqp-options.js';
import { DemoAgent } from '../adapters/demo/demo-agent.js';
import { InMemoryControlChannel, InMemoryControlHub } from '../adapters/memory/in-memory-control-channel.js';
import { InMemoryMessageBus } from '../adapters/memory/in-memory-message-bus.js';
import { InMemorySessionStore } from '../adapters/memory/in-memory-session-store.js';
import { closeRedisClient, createRedisClient, type RedisClientOptions } from '../adapters/redis/redis-client.js';
import { RedisControlChannel } from '../adapters/redis/redis-control-channel.js';
import { RedisSessionStore } from '../adapters/redis/redis-session-store.js';
import type { GatewayConfig } from './config/index.js';

/** The outside world of one worker, real or in-memory, and how to let go of it. */
export interface WorkerPorts {
  readonly bus: MessageBus;
  readonly store: SessionStore;
  /** Made on first use: cluster workers never use theirs (the supervisor listens). */
  readonly control: ControlChannel;
  readonly socketIoAdapter?: ServerOptions['adapter'];
  /** Connect what needs connecting (the broker is waited for). */
  start(): Promise<void>;
  /** Close in order: agent, control, store, bus, Socket.IO's Redis clients. */
  close(): Promise<void>;
}

export function createPorts(config: GatewayConfig, logger: Logger): WorkerPorts {
  return config.frontend.embedded ? embeddedPorts(logger) : realPorts(config, logger);
}

/** In-memory adapters and the demo agent: one process, nothing else running. */
function embeddedPorts(logger: Logger): WorkerPorts {
  const bus = new InMemoryMessageBus();
  const store = new InMemorySessionStore();
  const control = new InMemoryControlChannel(new InMemoryControlHub());
  const agent = new DemoAgent(bus, logger.child({ component: 'demo-agent' }));
  return {
    bus,
    store,
    control,
    start: () => agent.start(),
    close: async () => {
      await agent.stop();
      await control.close();
      await store.close();
      await bus.close();
    },
  };
}

/** `host`, `host:port`, `[v6]` or `[v6]:port`. */
function hostPort(spec: string, defaultPort: number): { host: string; port: number } {
  const m = /^\[([^\]]+)\](?::(\d+))?$/.exec(spec) ?? /^([^:]+)(?::(\d+))?$/.exec(spec);
  if (!m) return { host: spec, port: defaultPort };
  return { host: m[1]!, port: m[2] ? Number(m[2]) : defaultPort };
}

function redisOptions(config: GatewayConfig, name: string): RedisClientOptions {
  const r = config.gateway.redis;
  return {
    host: r.host,
    port: r.port,
    ...(r.password ? { password: r.password } : {}),
    maxAttempts: r.max_attempts,
    offlineQueue: r.offline_queue,
    sentinels: r.sentinels.map((s) => hostPort(s, 26379)),
    ...(r.sentinelName ? { sentinelName: r.sentinelName } : {}),
    clusterNodes: r.cluster.map((s) => hostPort(s, 6379)),
    connectionName: name,
  };
}

function realPorts(config: GatewayConfig, logger: Logger): WorkerPorts {
  const r = config.gateway.redis;
  const q = config.gateway.rabbitmq;
  const hosts = q.hosts.length > 0 ? q.hosts : [`${q.host}:${q.port}`];
  const bus = new AmqpMessageBus(
    {
      urls: hosts.map((h) => {
        const { host, port } = hostPort(h, q.port);
        return amqpUrl({ host, port, login: q.login, password: q.password, vhost: q.vhost, heartbeat: q.heartbeat });
      }),
      durable: q.durable,
      prefetch: q.prefetch,
      reconnect: { initialMs: 100, maxMs: 10_000 },
      connectionName: `activestack-gateway pid ${process.pid}`,
    },
    logger,
  );
  const store = new RedisSessionStore({
    client: createRedisClient(redisOptions(config, 'asgw-store'), logger),
    keyPrefix: r.keyPrefix,
    presenceTtlMs: config.gateway.presenceTtl,
  });
  let control: RedisControlChannel | undefined;
  const controlChannel = (): RedisControlChannel =>
    (control ??= new RedisControlChannel({
      client: createRedisClient(redisOptions(config, 'asgw-control'), logger),
      channel: r.gatewaycontrolqueue,
      logger,
    }));
  // Socket.IO's own adapter: its commands must queue while Redis reconnects.
  const pub = createRedisClient({ ...redisOptions(config, 'asgw-sio-pub'), offlineQueue: true, maxAttempts: 20 }, logger);
  const sub = createRedisClient({ ...redisOptions(config, 'asgw-sio-sub'), offlineQueue: true, maxAttempts: 20 }, logger);
  return {
    bus,
    store,
    get control() {
      return controlChannel();
    },
    socketIoAdapter: createAdapter(pub, sub, { key: `${r.keyPrefix}socket.io` }),
    start: () => bus.start(),
    close: async () => {
      await control?.close();
      await store.close();
      await bus.close();
      await Promise.all([closeRedisClient(pub), closeRedisClient(sub)]);
    },
  };
}
