import { mkdirSync, writeFileSync } from 'node:fs';
import { randomBytes } from 'node:crypto';
import amqp from 'amqplib';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { realGatewayOverrides, spawnGateway, type GatewayProcess } from '../support/gateway-process.js';
import { RabbitMqCluster } from '../support/rabbitmq-cluster.js';
import type { RabbitMqNode } from '../support/rabbitmq-node.js';
import { requireRabbitMq, requireRedis } from '../support/services.js';
import { vhostUrl } from '../support/amqp-agent.js';
import { FAULT_PUSH_CN, FaultAgent } from './lib/fault-agent.js';
import { startFleet, type FleetClient } from './lib/fleet.js';
import { ServiceProbe } from './lib/probe.js';
import { deliveryCount, percentiles, printReport } from './lib/report.js';
import { sleep, waitForDelivery, waitForTracking, waitUntil } from './lib/scenario.js';

/**
 * The gateway on a 3-node RabbitMQ cluster of the test's own (nodes
 * rabbit-asgw1..3@localhost, AMQP 5681-5683, distribution 25681-25683; the
 * shared node on 5672 is never touched), 200 logged-in clients and a steady
 * stream of pushes that need an ack, for each reply-queue type:
 * - SIGKILL of the node the gateway is connected to;
 * - a rolling restart of the cluster, node by node.
 * Quorum reply queues must lose nothing; classic ones report what they
 * lost. Right before each fault a burst of BURST pushes per client is
 * published, more than the prefetch lets the gateway take: a backlog sits
 * in the reply queues when the node goes, as it does behind a slow client.
 * Figures go to the terminal and test-artifacts/faults.jsonl.
 *
 * FAULTS_SCALE=full pushes for longer; FAULTS_CLUSTER_CLIENTS sets the
 * client count (default 200).
 */
const full = process.env.FAULTS_SCALE === 'full';
const CLIENTS = Number(process.env.FAULTS_CLUSTER_CLIENTS ?? 200);
const PER_SECOND = 2;
/** Pushing before the fault, and after it is over, ms. */
const BEFORE_MS = full ? 20_000 : 6_000;
const AFTER_MS = full ? 20_000 : 6_000;
const RECONNECT = { initialMs: 1_000, maxMs: 4_000 };
/** Pushes per client published at once right before a fault (the gateway's prefetch is 10). */
const BURST = 30;

let cluster: RabbitMqCluster;

beforeAll(async () => {
  await requireRabbitMq();
  await requireRedis();
  cluster = await RabbitMqCluster.start({ label: 'faults' });
}, 180_000);

afterAll(async () => {
  await cluster?.destroy();
}, 120_000);

interface Stack {
  readonly vhost: string;
  readonly agent: FaultAgent;
  readonly gateway: GatewayProcess;
  readonly probe: ServiceProbe;
  readonly clients: FleetClient[];
}

let stack: { -readonly [K in keyof Stack]?: Stack[K] } = {};

afterEach(async () => {
  for (const c of stack.clients ?? []) c.close();
  await stack.probe?.stop();
  await stack.gateway?.stop();
  // The gateway's log, for a run that went wrong.
  if (stack.gateway && stack.vhost) {
    mkdirSync('test-artifacts', { recursive: true });
    writeFileSync(`test-artifacts/${stack.vhost}.gateway.log`, stack.gateway.output());
  }
  await stack.agent?.stop();
  // A node a scenario left down comes back before the next one.
  for (const node of cluster.nodes) if (!node.running) await node.start();
  await cluster.awaitAllRunning();
  if (stack.vhost) await cluster.deleteVhost(stack.vhost);
  stack = {};
}, 180_000);

/** Vhost, agent (on the last node first), gateway (on the first node first), probe and logged-in fleet. */
async function startStack(type: 'classic' | 'quorum', label: string): Promise<Stack> {
  const vhost = `asgw-cluster-${label}-${randomBytes(3).toString('hex')}`;
  await cluster.addVhost(vhost);
  stack.vhost = vhost;
  const agentName = `asgw-cluster-agent ${vhost}`;
  const agent = await FaultAgent.start([...cluster.urls].reverse().map((u) => vhostUrl(vhost, u)), agentName);
  stack.agent = agent;
  const gateway = await spawnGateway(
    realGatewayOverrides(vhost, {
      'gateway.rabbitmq.hosts': cluster.hosts.join(','),
      'gateway.rabbitmq.replyQueueType': type,
      // Heartbeats find a dead peer that did not close its socket; a SIGKILLed local node does.
      'gateway.rabbitmq.heartbeat': 5,
    }),
    { timeoutMs: 60_000 },
  );
  stack.gateway = gateway;
  const probe = await ServiceProbe.start(gateway.url);
  stack.probe = probe;
  const clients = await startFleet(gateway.url, CLIENTS, RECONNECT);
  stack.clients = clients;
  await waitForTracking(agent, clients);
  return { vhost, agent, gateway, probe, clients };
}

async function gatewayNode(s: Stack): Promise<RabbitMqNode> {
  const ports = await cluster.connectionPorts(`activestack-gateway pid ${s.gateway.pid}`);
  expect(ports, 'the gateway holds one broker connection').toHaveLength(1);
  return cluster.byPort(ports[0]!)!;
}

/** Broker readiness of the gateway, sampled every 50 ms: intervals it said broker=false. */
function watchReadiness(url: string): { stop(): Promise<Array<{ from: number; to: number }>> } {
  const downs: Array<{ from: number; to: number }> = [];
  let downSince: number | undefined;
  let running = true;
  const loop = (async () => {
    while (running) {
      const broker = await fetch(`${url}/ready`).then(
        async (r) => ((await r.json()) as { broker?: boolean }).broker === true,
        () => false,
      );
      const now = Date.now();
      if (!broker && downSince === undefined) downSince = now;
      if (broker && downSince !== undefined) {
        downs.push({ from: downSince, to: now });
        downSince = undefined;
      }
      await sleep(50);
    }
  })();
  return {
    stop: async () => {
      running = false;
      await loop;
      if (downSince !== undefined) downs.push({ from: downSince, to: Date.now() });
      return downs;
    },
  };
}

/**
 * Publishes `perClient` pushes needing an ack to every client's current
 * reply queue at once, through the agent's broker node; resolves with the
 * ids the broker confirmed as queued.
 */
async function burst(s: Stack, perClient: number, tag: string): Promise<string[]> {
  const conn = await amqp.connect(s.agent.url, { noDelay: true, timeout: 5_000 });
  conn.on('error', () => undefined);
  try {
    const ch = await conn.createConfirmChannel();
    ch.on('error', () => undefined);
    const returned = new Set<string>();
    ch.on('return', (m: amqp.Message) => returned.add(String(m.properties.messageId)));
    const confirmed: string[] = [];
    await Promise.all(
      // A client without a session (the gateway ended it) has no queue to push to: the report names it.
      s.clients.filter((c) => c.sdk.session !== null).flatMap((c) =>
        Array.from({ length: perClient }, (_, i) => {
          const id = `burst-${tag}:${c.id}:${i}`;
          const body = Buffer.from(JSON.stringify({ cn: FAULT_PUSH_CN, correspondingMessageId: id, client: c.id }));
          return new Promise<void>((resolve) => {
            ch.publish('', c.sdk.session!.clientId, body, { mandatory: true, messageId: id, contentType: 'application/json' }, (err) => {
              if (!err && !returned.has(id)) confirmed.push(id);
              resolve();
            });
          });
        }),
      ),
    );
    return confirmed;
  } finally {
    await conn.close().catch(() => undefined);
  }
}

/** Burst pushes that reached the app of their client. */
function burstReceived(s: Stack, ids: readonly string[]): number {
  const got = new Set<string>();
  for (const c of s.clients) for (const id of c.unique) if (id.startsWith('burst-')) got.add(id);
  return ids.filter((id) => got.has(id)).length;
}

/** Pushes for BEFORE_MS, runs the fault, pushes AFTER_MS more, stops, waits for delivery; returns the count. */
async function underLoad<F extends object>(s: Stack, label: string, fault: (bursts: string[][]) => Promise<F>, stallMs: number) {
  s.agent.startPushing(1_000_000, PER_SECOND);
  await sleep(BEFORE_MS);
  const readiness = watchReadiness(s.gateway.url);
  const bursts: string[][] = [];
  const faultFigures = await fault(bursts);
  await sleep(AFTER_MS);
  s.agent.stopPushing();
  const burstIds = bursts.flat();
  await waitForDelivery(s.agent, s.clients, stallMs, label);
  // The burst pushes too (the agent's wait above only knows its own).
  await waitUntil(() => burstReceived(s, burstIds) === burstIds.length, 'the burst pushes arrived', stallMs).catch(() => undefined);
  const downs = await readiness.stop();
  const count = deliveryCount(label, s.agent, s.clients);
  const burstGot = burstReceived(s, burstIds);
  const sent = count.sent + burstIds.length;
  const received = count.received + burstGot;
  const figures = {
    ...count,
    sent,
    received,
    receivedPct: Math.round((received / Math.max(1, sent)) * 1e6) / 1e4,
    lost: sent - received,
    steady: { sent: count.sent, received: count.received, lost: count.sent - count.received },
    burst: { perClient: BURST, sent: burstIds.length, received: burstGot, lost: burstIds.length - burstGot },
    ...faultFigures,
    readinessDownMs: downs.map((d) => d.to - d.from),
    clientsUp: s.clients.filter((c) => c.up).length,
    // Clients the gateway ended: a classic queue on a node that stops is deleted, and a deleted reply queue ends its client (eol).
    clientsEnded: s.clients.filter((c) => c.endedWith !== undefined).length,
    clientsEndedOtherThanEol: s.clients.filter((c) => c.endedWith !== undefined && c.endedWith !== 'eol').length,
    ...(s.clients.some((c) => !c.up) ? { notUpExamples: s.clients.filter((c) => !c.up).slice(0, 3).map((c) => c.describe()) } : {}),
    clientDisconnects: s.clients.reduce((n, c) => n + c.socketDowntimes.length + (c.downSince !== undefined ? 1 : 0), 0),
    clientDowntimeMs: percentiles(s.clients.flatMap((c) => c.downtimes)),
    keysRefused: count.keysRefused,
    probe: { ...s.probe.counts(), reopened: s.probe.reopened },
    agentRetries: s.agent.counts.retried,
    agentBrokerConnects: s.agent.counts.connects,
    gatewayAlive: s.gateway.child.exitCode === null,
  };
  printReport(label, figures);
  return figures;
}

/**
 * Quorum: every client is up again. Classic (not durable): a node that stops
 * deletes the reply queues it holds, and a deleted reply queue ends its
 * client (PROTOCOL §3.3, eol); every other client is up again, none hangs.
 */
function expectEveryClientBack(type: 'classic' | 'quorum', figures: { clientsUp: number; clientsEnded: number; clientsEndedOtherThanEol: number }): void {
  if (type === 'quorum') {
    expect(figures.clientsEnded).toBe(0);
    expect(figures.clientsUp).toBe(CLIENTS);
    return;
  }
  expect(figures.clientsEndedOtherThanEol).toBe(0);
  expect(figures.clientsUp + figures.clientsEnded).toBe(CLIENTS);
}

for (const type of ['quorum', 'classic'] as const) {
  describe(`RabbitMQ cluster, ${type} reply queues, ${CLIENTS} clients`, () => {
    it(`SIGKILL of the gateway's node: it serves again through another node${type === 'quorum' ? ', nothing lost' : '; what is lost is counted'}`, async () => {
      const s = await startStack(type, `${type}-kill`);
      const victim = await gatewayNode(s);
      const agentPorts = await cluster.connectionPorts(`asgw-cluster-agent ${s.vhost}`);
      expect(agentPorts, 'the agent is on another node than the gateway').not.toContain(victim.options.amqpPort);
      const label = `rabbit cluster ${type} node kill`;
      const figures = await underLoad(
        s,
        label,
        async (bursts) => {
          bursts.push(await burst(s, BURST, 'kill'));
          const killedAt = Date.now();
          await victim.killed();
          await waitUntil(() => s.probe.servedAgainAfter(killedAt) !== undefined, 'the gateway serves again', 60_000);
          const now = await gatewayNode(s);
          return { killedNode: victim.nodeName, nowOn: now.nodeName, failoverMs: s.probe.servedAgainAfter(killedAt)! };
        },
        type === 'quorum' ? 30_000 : 10_000,
      );
      expect(figures.nowOn).not.toBe(victim.nodeName);
      expect(figures.gatewayAlive, s.gateway.output()).toBe(true);
      expect(figures.sent).toBeGreaterThan(CLIENTS * PER_SECOND);
      expectEveryClientBack(type, figures);
      if (type === 'quorum') {
        expect(figures.missingExamples, `received ${figures.received}/${figures.sent}`).toEqual([]);
        expect(figures.burst.lost, 'burst pushes lost').toBe(0);
        expect(figures.lost).toBe(0);
      }
    }, 600_000);

    it(`rolling restart of the cluster, node by node${type === 'quorum' ? ': nothing lost, clients stay or come back at once' : '; what is lost is counted'}`, async () => {
      const s = await startStack(type, `${type}-rolling`);
      const label = `rabbit cluster ${type} rolling restart`;
      const figures = await underLoad(
        s,
        label,
        async (bursts) => {
          const from = Date.now();
          const gaps: number[] = [];
          let last = from;
          await cluster.rollingRestart({
            before: async (node) => {
              bursts.push(await burst(s, BURST, node.options.name));
            },
            after: async () => {
              // The service gap the users saw while that node was away.
              gaps.push(s.probe.longestGap(last, Date.now()));
              last = Date.now();
            },
          });
          return { restartMs: Date.now() - from, longestServiceGapPerNodeMs: gaps };
        },
        type === 'quorum' ? 30_000 : 10_000,
      );
      expect(figures.gatewayAlive, s.gateway.output()).toBe(true);
      expectEveryClientBack(type, figures);
      expect(figures.keysRefused).toBe(0);
      if (type === 'quorum') {
        expect(figures.missingExamples, `received ${figures.received}/${figures.sent}`).toEqual([]);
        expect(figures.burst.lost, 'burst pushes lost').toBe(0);
        expect(figures.lost).toBe(0);
      }
    }, 900_000);
  });
}
