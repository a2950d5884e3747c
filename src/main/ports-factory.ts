import { createAdapter } from '@socket.io/redis-adapter';
import type { ServerOptions } from 'socket.io';
import type { ControlChannel, Logger, MessageBus, SessionStore } from '../application/ports.js';
import { AmqpMessageBus } from '../adapters/amqp/amqp-message-bus.js';
import { DemoAgent } from '../adapters/demo/demo-agent.js';
import { InMemoryControlChannel, InMemoryControlHub } from '../adapters/memory/in-memory-control-channel.js';
import { InMemoryMessageBus } from '../adapters/memory/in-memory-message-bus.js';
import { InMemorySessionStore } from '../adapters/memory/in-memory-session-store.js';
import { closeRedisClient, createRedisClient } from '../adapters/redis/redis-client.js';
import { RedisControlChannel } from '../adapters/redis/redis-control-channel.js';
import { RedisSessionStore } from '../adapters/redis/redis-session-store.js';
import type { GatewayConfig } from './config/index.js';
import { amqpBusOptions } from './adapter-options/amqp.js';
import { redisClientOptions } from './adapter-options/redis.js';

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

function realPorts(config: GatewayConfig, logger: Logger): WorkerPorts {
  const r = config.gateway.redis;
  const bus = new AmqpMessageBus(amqpBusOptions(config, `activestack-gateway pid ${process.pid}`), logger);
  const store = new RedisSessionStore({
    client: createRedisClient(redisClientOptions(config, 'store', 'asgw-store'), logger),
    keyPrefix: r.keyPrefix,
    presenceTtlMs: config.gateway.presenceTtl,
  });
  let control: RedisControlChannel | undefined;
  const controlChannel = (): RedisControlChannel =>
    (control ??= new RedisControlChannel({
      client: createRedisClient(redisClientOptions(config, 'control', 'asgw-control'), logger),
      channel: r.gatewaycontrolqueue,
      logger,
    }));
  // Socket.IO's own adapter: its commands must queue while Redis reconnects.
  const pub = createRedisClient({ ...redisClientOptions(config, 'control', 'asgw-sio-pub'), maxAttempts: 20 }, logger);
  const sub = createRedisClient({ ...redisClientOptions(config, 'control', 'asgw-sio-sub'), maxAttempts: 20 }, logger);
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
