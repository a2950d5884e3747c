import { randomUUID } from 'node:crypto';
import { Redis } from 'ioredis';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createRedisClient } from '../../../src/adapters/redis/redis-client.js';
import { RedisControlChannel } from '../../../src/adapters/redis/redis-control-channel.js';
import type { ControlChannel, ControlReply } from '../../../src/application/ports.js';
import { controlChannelContract } from '../../contract/control-channel.contract.js';
import { recordingLogger } from '../../contract/recording-logger.js';
import { BlackholeProxy } from '../../support/blackhole-proxy.js';
import { REDIS_HOST, REDIS_PORT, requireRedis } from '../../support/services.js';

const run = randomUUID().slice(0, 8);
let admin: Redis;
let counter = 0;

beforeAll(async () => {
  await requireRedis();
  admin = new Redis({ host: REDIS_HOST, port: REDIS_PORT });
});

afterAll(async () => {
  await admin.quit();
});

function newChannel(channel: string, logger = recordingLogger()): RedisControlChannel {
  const client = createRedisClient({ host: REDIS_HOST, port: REDIS_PORT }, logger);
  return new RedisControlChannel({ client, channel, logger });
}

controlChannelContract('RedisControlChannel', async () => {
  const name = `test.${run}.${++counter}`;
  const channels: ControlChannel[] = [];
  return {
    create: async () => {
      const channel = newChannel(name);
      channels.push(channel);
      return channel;
    },
    dispose: async () => {
      await Promise.all(channels.map((c) => c.close()));
    },
  };
});

describe('RedisControlChannel specifics', () => {
  it('speaks JSON on <channel>.replies and ignores malformed replies with a warning', async () => {
    const name = `test.${run}.raw`;
    const logger = recordingLogger();
    const channel = newChannel(name, logger);
    try {
      const replies: ControlReply[] = [];
      let wake: () => void = () => undefined;
      await channel.onReply((reply) => {
        replies.push(reply);
        wake();
      });
      await admin.publish(`${name}.replies`, 'not json');
      await admin.publish(`${name}.replies`, JSON.stringify({ instance: 'x', pid: 'NaN' }));
      await admin.publish(`${name}.replies`, JSON.stringify({ instance: 'x', pid: 1, command: 'c', ok: true }));
      while (replies.length < 1) await new Promise<void>((resolve) => (wake = resolve));
      expect(replies).toEqual([{ instance: 'x', pid: 1, command: 'c', ok: true }]);
      expect(logger.records.filter((r) => r.msg === 'ignoring malformed control reply')).toHaveLength(2);
    } finally {
      await channel.close();
    }
  });

  it('receives plain-text commands published by any Redis client, and survives a throwing handler', async () => {
    const name = `test.${run}.plain`;
    const logger = recordingLogger();
    const channel = newChannel(name, logger);
    try {
      const lines: string[] = [];
      let wake: () => void = () => undefined;
      await channel.onCommand(() => {
        throw new Error('handler bug');
      });
      await channel.onCommand((line) => {
        lines.push(line);
        wake();
      });
      await admin.publish(name, 'clientcount');
      while (lines.length < 1) await new Promise<void>((resolve) => (wake = resolve));
      expect(lines).toEqual(['clientcount']);
      expect(logger.records.some((r) => r.msg === 'control channel handler threw')).toBe(true);
    } finally {
      await channel.close();
    }
  });

  it('subscribes again after its subscriber connection is killed', async () => {
    const name = `test.${run}.resub`;
    const connectionName = `ctl-${run}`;
    const logger = recordingLogger();
    const client = createRedisClient({ host: REDIS_HOST, port: REDIS_PORT, connectionName }, logger);
    const channel = new RedisControlChannel({ client, channel: name, logger });
    try {
      const lines: string[] = [];
      await channel.onCommand((line) => lines.push(line));
      // Only our own subscriber: other tests on this Redis keep theirs.
      const ours = String(await admin.client('LIST'))
        .split('\n')
        .filter((line) => line.includes(` name=${connectionName} `) && / sub=[1-9]/.test(line))
        .map((line) => /^id=(\d+)/.exec(line)?.[1])
        .filter((id): id is string => id !== undefined);
      expect(ours).toHaveLength(1);
      await admin.client('KILL', 'ID', ours[0]!);
      // Publish until the resubscribed connection hears one.
      while (lines.length === 0) {
        await admin.publish(name, 'after-kill');
        await new Promise((resolve) => setTimeout(resolve, 20));
      }
      expect(lines[0]).toBe('after-kill');
    } finally {
      await channel.close();
    }
  });

  it('notices a subscribed connection whose server went away unseen, and subscribes again on a new one', async () => {
    const name = `test.${run}.severed`;
    const proxy = await BlackholeProxy.start({ host: REDIS_HOST, port: REDIS_PORT });
    const logger = recordingLogger();
    const client = createRedisClient({ host: '127.0.0.1', port: proxy.port, commandTimeoutMs: 300 }, logger);
    const channel = new RedisControlChannel({ client, channel: name, logger, pingIntervalMs: 200 });
    try {
      const lines: string[] = [];
      await channel.onCommand((line) => lines.push(line));
      // The subscriber now listens to a peer that will never speak again.
      proxy.sever();
      const deadline = Date.now() + 10_000;
      while (lines.length === 0) {
        if (Date.now() > deadline) throw new Error('the channel stayed on the dead connection: no command heard in 10 s');
        await admin.publish(name, 'after-failover');
        await new Promise((resolve) => setTimeout(resolve, 50));
      }
      expect(lines[0]).toBe('after-failover');
    } finally {
      await channel.close();
      await proxy.close();
    }
  });
});
