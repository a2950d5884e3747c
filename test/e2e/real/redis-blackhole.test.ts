import { Redis } from 'ioredis';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { loadConfig } from '../../../src/main/config/index.js';
import { startWorker, type RunningWorker } from '../../../src/main/worker.js';
import { AmqpTestAgent, createVhost, deleteVhost, loginDemo, testVhostName } from '../../support/amqp-agent.js';
import { BlackholeProxy } from '../../support/blackhole-proxy.js';
import { MemoryLogger } from '../../support/fakes.js';
import { realGatewayOverrides } from '../../support/gateway-process.js';
import { REDIS_HOST, REDIS_PORT, requireRabbitMq, requireRedis } from '../../support/services.js';
import { publicPart, TestSocket, until } from '../../support/test-socket.js';

/**
 * Redis that stops answering without closing (a partition, a hung server):
 * the gateway reaches Redis through a proxy that goes black. Closes and
 * logouts must still finish, bounded by gateway.redis.commandTimeout, and
 * the gateway must stay up and serve.
 */
const COMMAND_TIMEOUT_MS = 500;
/** Far above the command timeout: generous for a loaded machine, far below "forever". */
const BOUND_MS = 10_000;

const vhost = testVhostName('redis-black');
const prefix = `${vhost}:`;
let agent: AmqpTestAgent;
let admin: Redis;
const open: TestSocket[] = [];

beforeAll(async () => {
  await requireRabbitMq();
  await requireRedis();
  await createVhost(vhost);
  agent = await AmqpTestAgent.start({ vhost });
  admin = new Redis({ host: REDIS_HOST, port: REDIS_PORT });
}, 60_000);

afterAll(async () => {
  for (const s of open) s.close();
  await agent?.stop();
  await deleteVhost(vhost);
  const keys = await admin.keys(`${prefix}*`);
  if (keys.length > 0) await admin.del(...keys);
  await admin.quit();
}, 60_000);

async function gatewayVia(proxy: BlackholeProxy, logger: MemoryLogger): Promise<RunningWorker> {
  const { config } = loadConfig({
    env: {},
    argv: realGatewayOverrides(vhost, {
      'gateway.redis.host': '127.0.0.1',
      'gateway.redis.port': proxy.port,
      'gateway.redis.commandTimeout': COMMAND_TIMEOUT_MS,
      'frontend.maxResends': 0,
    }),
  });
  return startWorker(config, { logger });
}

async function socket(url: string): Promise<TestSocket> {
  const s = await TestSocket.open(url);
  open.push(s);
  return s;
}

async function consumers(queue: string): Promise<number | undefined> {
  return (await agent.queueInfo(queue))?.consumers;
}

/** Closes what a test started; a close that hangs is reported, without hiding the test's own failure. */
async function shutDown(worker: RunningWorker, proxy: BlackholeProxy): Promise<void> {
  for (const s of open.splice(0)) s.close();
  proxy.forward();
  try {
    await within(BOUND_MS, 'closing the gateway', worker.close());
  } catch (err) {
    process.stderr.write(`[redis-blackhole] ${String(err)}\n`);
  }
  await proxy.close();
}

/** The first value of `read` that passes `ok`, or the last one read after BOUND_MS. */
async function eventually<T>(read: () => Promise<T>, ok: (value: T) => boolean): Promise<T> {
  const deadline = Date.now() + BOUND_MS;
  let value = await read();
  while (!ok(value) && Date.now() < deadline) {
    await new Promise((r) => setTimeout(r, 50));
    value = await read();
  }
  return value;
}

/** Rejects with `what` when `promise` has not settled within ms. */
async function within<T>(ms: number, what: string, promise: Promise<T>): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  const late = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new Error(`${what} did not finish within ${ms} ms`)), ms);
  });
  try {
    return await Promise.race([promise, late]);
  } finally {
    clearTimeout(timer);
  }
}

describe.sequential('a black-holed Redis', () => {
  it('never holds a logout, a close or a resume: each finishes, and the gateway stays up and serves', async () => {
    const proxy = await BlackholeProxy.start({ host: REDIS_HOST, port: REDIS_PORT });
    const logger = new MemoryLogger();
    const worker = await gatewayVia(proxy, logger);
    const url = `http://127.0.0.1:${worker.port}`;
    try {
      await until(() => worker.readiness().redis, 'Redis ready through the proxy', BOUND_MS);
      const leaving = await socket(url);
      const leavingId = publicPart(await leaving.start()).clientId;
      const leavingKey = await loginDemo(leaving);
      const closing = await socket(url);
      const closingId = publicPart(await closing.start()).clientId;
      await loginDemo(closing);
      const resumed = await socket(url);
      const resumedId = publicPart(await resumed.start()).clientId;
      const resumeKey = await loginDemo(resumed);
      resumed.close();
      await agent.waitFor('disconnect', (b) => b.clientId === resumedId);

      proxy.blackhole();
      const started = Date.now();
      leaving.emit('logout', {});
      closing.close();
      const retry = await socket(url);
      retry.emit('message', { reconnect: { reconnectId: resumeKey } });

      // Logout: DisconnectRequest (auth) first, then the revocation waits on
      // Redis (bounded), then the socket closes and the close runs.
      await agent.waitFor('disconnectAuth', (b) => b.clientId === leavingId, BOUND_MS);
      await leaving.next('disconnect', () => true, BOUND_MS);
      await agent.waitFor('disconnect', (b) => b.clientId === leavingId, BOUND_MS);
      await until(() => worker.clientCount() <= 2, 'the logged-out and the closed clients are gone', BOUND_MS);
      await agent.waitFor('disconnect', (b) => b.clientId === closingId, BOUND_MS);
      // A resume cannot check its key: neither accepted nor refused, the client is told to retry.
      expect((await retry.next('gatewayError', () => true, BOUND_MS)).data).toMatchObject({ code: 'AGENT_UNAVAILABLE' });
      await retry.next('disconnect', () => true, BOUND_MS);
      const elapsed = Date.now() - started;
      for (const queue of [leavingId, closingId]) {
        expect(await eventually(() => consumers(queue), (n) => n === 0), `consumers left on ${queue}`).toBe(0);
      }
      expect(proxy.isBlack).toBe(true);
      process.stdout.write(`[redis-blackhole] logout, close and resume settled ${elapsed} ms after Redis went black (command timeout ${COMMAND_TIMEOUT_MS} ms)\n`);

      // Still up: HTTP answers, a new client logs in and is served by the agent.
      expect((await fetch(`${url}/health`)).status).toBe(200);
      const fresh = await socket(url);
      await fresh.start();
      await loginDemo(fresh);
      fresh.emit('findById', { messageId: 'f1', sendAck: true, theClassId: '7' });
      expect((await fresh.next('ack')).data).toBe('f1');
      // The silent connection was noticed and dropped: not ready while Redis does not answer.
      await until(() => !worker.readiness().redis, 'readiness to report Redis down', BOUND_MS);
      expect((await fetch(`${url}/ready`)).status).toBe(503);

      proxy.forward();
      await until(() => worker.readiness().redis, 'Redis ready again once it answers', BOUND_MS);
      // The logout's revocation, refused by the silent Redis, was kept and written once it answered.
      expect(await eventually(() => admin.keys(`${prefix}revoked:*`), (keys) => keys.length > 0)).toHaveLength(1);
      const again = await socket(url);
      again.emit('message', { reconnect: { reconnectId: leavingKey } });
      expect((await again.next('gatewayError')).data).toMatchObject({ code: 'INVALID_RECONNECT_KEY' });
      // The other login resumes with the very key it retried with.
      const back = await socket(url);
      back.emit('message', { reconnect: { reconnectId: resumeKey } });
      expect(publicPart((await back.next('gatewayConnectAck')).data as string).userId).toBe('demo-user');
      expect(back.all('gatewayError')).toEqual([]);
    } finally {
      await shutDown(worker, proxy);
    }
  }, 90_000);

  it('does not hold start-up: the gateway serves without Redis, reports not ready, and gets ready once Redis answers', async () => {
    const proxy = await BlackholeProxy.start({ host: REDIS_HOST, port: REDIS_PORT });
    proxy.blackhole();
    const worker = await within(BOUND_MS * 2, 'start-up with Redis black', gatewayVia(proxy, new MemoryLogger()));
    const url = `http://127.0.0.1:${worker.port}`;
    try {
      expect(worker.readiness()).toMatchObject({ ready: false, broker: true, redis: false });
      const s = await socket(url);
      await s.start();
      await loginDemo(s);
      s.emit('logout', {});
      await s.next('disconnect', () => true, BOUND_MS);
      expect(proxy.connections).toBeGreaterThan(0);
      // Redis answers again: the gateway gets ready without a restart.
      proxy.forward();
      await until(() => worker.readiness().ready, 'ready once Redis answers', BOUND_MS);
    } finally {
      await shutDown(worker, proxy);
    }
  }, 60_000);
});
