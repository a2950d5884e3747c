import { readFileSync, rmSync } from 'node:fs';
import amqp from 'amqplib';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { AmqpMessageBus } from '../../../src/adapters/amqp/amqp-message-bus.js';
import type { AmqpMessageBusOptions } from '../../../src/adapters/amqp/amqp-options.js';
import { PublishError } from '../../../src/application/ports.js';
import { loadConfig } from '../../../src/main/config/index.js';
import { startWorker, type RunningWorker } from '../../../src/main/worker.js';
import { Collector } from '../../contract/message-bus.contract.js';
import { recordingLogger } from '../../contract/recording-logger.js';
import { AmqpTestAgent } from '../../support/amqp-agent.js';
import { MemoryLogger } from '../../support/fakes.js';
import { realGatewayOverrides } from '../../support/gateway-process.js';
import { nodesBaseDir, RabbitMqNode } from '../../support/rabbitmq-node.js';
import { requireRedis } from '../../support/services.js';
import { makeTestCa, type TestCa } from '../../support/tls-ca.js';
import { TestSocket } from '../../support/test-socket.js';

// A RabbitMQ node of this file's own (AMQP 5690, TLS 5691, distribution
// 25690): its memory alarm is raised here, which must never happen to the
// shared node on 5672, and it has a TLS listener with certificates made here.
let node: RabbitMqNode;
let ca: TestCa;
let otherCa: TestCa;
let baseDir: string;

beforeAll(async () => {
  ca = makeTestCa('asgw-broker');
  otherCa = makeTestCa('asgw-other');
  baseDir = nodesBaseDir('solo');
  node = new RabbitMqNode({
    name: 'rabbit-asgw-solo',
    amqpPort: 5690,
    distPort: 25690,
    baseDir,
    tls: { port: 5691, caFile: ca.caFile, certFile: ca.server.certFile, keyFile: ca.server.keyFile, requireClientCert: true },
  });
  await node.start();
}, 120_000);

afterAll(async () => {
  await node?.stop().catch(() => node.killed());
  node?.remove();
  if (baseDir) rmSync(baseDir, { recursive: true, force: true });
  ca?.remove();
  otherCa?.remove();
}, 90_000);

function options(overrides: Partial<AmqpMessageBusOptions>): AmqpMessageBusOptions {
  return { urls: [node.url], durable: false, prefetch: 10, reconnect: { initialMs: 50, maxMs: 500 }, connectionName: 'broker-node-test', ...overrides };
}

async function until(check: () => boolean, what: string, timeoutMs = 15_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!check()) {
    if (Date.now() > deadline) throw new Error(`timed out waiting until ${what}`);
    await new Promise((r) => setTimeout(r, 20));
  }
}

const TLS_URL = 'amqps://guest:guest@localhost:5691';

describe('amqps against a TLS listener that requires client certificates', () => {
  it('connects with the CA, client certificate and key, and carries messages', async () => {
    const bus = new AmqpMessageBus(
      options({ urls: [TLS_URL], tls: { ca: [ca.ca], cert: ca.client.cert, key: ca.client.key } }),
      recordingLogger(),
    );
    try {
      await bus.start();
      const collector = new Collector();
      await bus.consume('tls-queue', collector);
      await bus.publish('tls-queue', Buffer.from('over tls'), { replyTo: 'r' });
      await collector.waitForCount(1);
      expect(collector.bodies()).toEqual(['over tls']);
      expect(bus.status()).toMatchObject({ connected: true, node: 'localhost:5691', url: 'amqps://guest:***@localhost:5691' });
    } finally {
      await bus.close();
    }
  });

  it('is refused without a client certificate, and refuses a broker its CA did not sign unless told not to check', async () => {
    const attempts: Array<[string, AmqpMessageBusOptions['tls']]> = [
      ['no client certificate', { ca: [ca.ca] }],
      ['another CA', { ca: [otherCa.ca], cert: ca.client.cert, key: ca.client.key }],
    ];
    for (const [label, tls] of attempts) {
      const logger = recordingLogger();
      const bus = new AmqpMessageBus(options({ urls: [TLS_URL], ...(tls ? { tls } : {}) }), logger);
      const started = bus.start();
      await until(() => logger.records.some((r) => r.msg === 'amqp connect failed'), `a failed TLS connect (${label})`);
      expect(bus.isConnected(), label).toBe(false);
      await bus.close();
      await expect(started).rejects.toThrow(/stopped/);
    }
    const unchecked = new AmqpMessageBus(
      options({ urls: [TLS_URL], tls: { ca: [otherCa.ca], cert: ca.client.cert, key: ca.client.key, rejectUnauthorized: false } }),
      recordingLogger(),
    );
    try {
      await unchecked.start();
      expect(unchecked.isConnected()).toBe(true);
    } finally {
      await unchecked.close();
    }
  });
});

describe('the broker blocks publishers (memory alarm on this node only)', () => {
  it('the first publish times out, later ones fail at once with "blocked", and all flows again after the alarm clears', async () => {
    const logger = recordingLogger();
    const bus = new AmqpMessageBus(options({ confirmTimeoutMs: 1500 }), logger);
    await bus.start();
    const collector = new Collector();
    try {
      await bus.consume('blocked-queue', collector);
      await bus.publish('blocked-queue', Buffer.from('before'), { replyTo: 'r' });
      await node.ctl(['set_vm_memory_high_watermark', '0.0000001']);
      // RabbitMQ blocks a connection when it publishes during the alarm: this publish is the one held.
      const first = await bus.publish('blocked-queue', Buffer.from('held'), { replyTo: 'r' }).catch((e: unknown) => e);
      expect(first).toBeInstanceOf(PublishError);
      expect((first as PublishError).reason).toBe('timeout');
      await until(() => bus.status().blocked, 'the broker sent connection.blocked');
      const fast = await bus.publish('blocked-queue', Buffer.from('refused'), { replyTo: 'r' }).catch((e: unknown) => e);
      expect((fast as PublishError).reason).toBe('blocked');
      expect(bus.isConnected()).toBe(true);
      expect(logger.records.some((r) => r.level === 'warn' && /blocked by the broker/.test(String(r.msg)))).toBe(true);

      await node.ctl(['set_vm_memory_high_watermark', '0.2']);
      await until(() => !bus.status().blocked, 'connection.unblocked');
      await bus.publish('blocked-queue', Buffer.from('after'), { replyTo: 'r' });
      // A publish that timed out was not necessarily lost: the broker held it and routes it now.
      await collector.waitForCount(3);
      expect(collector.bodies()).toEqual(['before', 'held', 'after']);
      for (const d of collector.deliveries) d.ack();
    } finally {
      await node.ctl(['set_vm_memory_high_watermark', '0.2']).catch(() => undefined);
      await bus.close();
    }
  }, 60_000);

  it('a client asking an agent while the broker blocks gets AGENT_UNAVAILABLE for its requests, and answers again after', async () => {
    await requireRedis();
    const vhost = `asgw-blocked-${process.pid}`;
    await node.ctl(['add_vhost', vhost]);
    await node.ctl(['set_permissions', '-p', vhost, 'guest', '.*', '.*', '.*']);
    const agent = await AmqpTestAgent.start({ url: node.url, vhost, connectionName: 'blocked-agent' });
    const { config } = loadConfig({
      env: {},
      argv: realGatewayOverrides(vhost, { 'gateway.rabbitmq.port': 5690, 'gateway.rabbitmq.confirmTimeout': 1500 }),
    });
    let worker: RunningWorker | undefined;
    const socket = { s: undefined as TestSocket | undefined };
    try {
      worker = await startWorker(config, { logger: new MemoryLogger() });
      const s = await TestSocket.open(`http://127.0.0.1:${worker.port}`);
      socket.s = s;
      await s.start();
      const ask = async (id: string): Promise<{ event: string; data: any }> => {
        s.emit('testCall', { messageId: id });
        return Promise.race([
          s.next('push', (m) => m?.correspondingMessageId === id, 10_000),
          s.next('gatewayError', (e) => e?.messageId === id, 10_000),
        ]) as Promise<{ event: string; data: any }>;
      };
      expect((await ask('t1')).event).toBe('push');
      await node.ctl(['set_vm_memory_high_watermark', '0.0000001']);
      const held = await ask('t2');
      expect(held.event).toBe('gatewayError');
      expect(held.data.code).toBe('AGENT_UNAVAILABLE');
      const refused = await ask('t3');
      expect(refused).toMatchObject({ event: 'gatewayError', data: { code: 'AGENT_UNAVAILABLE', messageId: 't3' } });
      await node.ctl(['set_vm_memory_high_watermark', '0.2']);
      // Back to normal: retry until a request is answered (the first after the alarm may still meet the blocked state).
      let answered = false;
      for (let i = 0; i < 50 && !answered; i++) {
        answered = (await ask(`after-${i}`)).event === 'push';
        if (!answered) await new Promise((r) => setTimeout(r, 200));
      }
      expect(answered).toBe(true);
      expect(s.socket.connected).toBe(true);
    } finally {
      await node.ctl(['set_vm_memory_high_watermark', '0.2']).catch(() => undefined);
      socket.s?.close();
      await worker?.close();
      await agent.stop();
      await node.ctl(['delete_vhost', vhost]).catch(() => undefined);
    }
  }, 90_000);
});

describe('the reply-queue expiry policy of docs/operations.md', () => {
  it('runs as written and applies to client reply queues only, not to agent queues', async () => {
    const doc = readFileSync(new URL('../../../docs/operations.md', import.meta.url), 'utf8');
    const line = doc.split('\n').find((l) => l.startsWith('rabbitmqctl set_policy'));
    expect(line, 'the policy command in docs/operations.md').toBeDefined();
    // Shell words: 'quoted' or bare.
    const words = [...line!.matchAll(/'([^']*)'|(\S+)/g)].map((m) => m[1] ?? m[2]!);
    expect(words[0]).toBe('rabbitmqctl');
    // On this file's own node (-n), never the shared one.
    await node.ctl(words.slice(1));
    const conn = await amqp.connect(node.url);
    const clientQueue = 'c0ffee00c0ffee00c0ffee00c0ffee00';
    try {
      const ch = await conn.createChannel();
      await ch.assertQueue(clientQueue, { durable: false });
      await ch.assertQueue('findById', { durable: false });
      const out = await node.ctl(['list_queues', '-q', '--no-table-headers', 'name', 'policy']);
      const rows = new Map(out.trim().split('\n').map((r) => [r.split('\t')[0]!, r.split('\t').slice(1).join('\t')]));
      expect(rows.get(clientQueue)).toBe('asgw-reply-queues');
      expect(rows.get('findById')).not.toMatch(/asgw-reply-queues/);
      const policies = JSON.parse(await node.ctl(['list_policies', '-p', '/', '-q', '--formatter', 'json'])) as Array<Record<string, unknown>>;
      expect(policies).toHaveLength(1);
      const [policy] = policies;
      expect(policy).toMatchObject({ name: 'asgw-reply-queues', 'apply-to': 'queues' });
      const definition = typeof policy!.definition === 'string' ? JSON.parse(policy!.definition) : policy!.definition;
      expect(definition).toEqual({ expires: 691200000 });
      await ch.deleteQueue(clientQueue);
      await ch.deleteQueue('findById');
    } finally {
      await conn.close();
      await node.ctl(['clear_policy', '-p', '/', 'asgw-reply-queues']).catch(() => undefined);
    }
  });
});
