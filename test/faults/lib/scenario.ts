import { type FaultAgent } from './fault-agent.js';
import { jitterCuts, startFleet, type FleetClient } from './fleet.js';
import { deliveryCount, percentiles, printReport, type DeliveryCount } from './report.js';
import type { FaultScale } from './scale.js';
import type { ReconnectOptions } from '../../../src/client/types.js';

export const sleep = (ms: number): Promise<void> => new Promise((r) => setTimeout(r, ms));

/** Polls until `check` holds; fails after timeoutMs with `what` and the state `detail()` describes. */
export async function waitUntil(check: () => boolean, what: string, timeoutMs: number, detail: () => string = () => ''): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!check()) {
    if (Date.now() > deadline) throw new Error(`timed out waiting until ${what} ${detail()}`);
    await sleep(100);
  }
}

/** Every client the agent knows got every message the agent sent it. */
export function allDelivered(agent: FaultAgent, clients: FleetClient[]): boolean {
  if (!agent.doneSending()) return false;
  for (const c of clients) if (c.unique.size < agent.sentTo(c.id)) return false;
  return true;
}

/**
 * Waits until the agent has sent everything and the clients got it, or
 * until nothing moved for `stallMs` (what is missing then stays missing:
 * the count shows it). Prints a progress line every 5 s.
 */
export async function waitForDelivery(agent: FaultAgent, clients: FleetClient[], stallMs: number, label: string): Promise<void> {
  let last = -1;
  let lastChange = Date.now();
  let lastPrint = Date.now();
  while (!allDelivered(agent, clients)) {
    const got = clients.reduce((n, c) => n + c.unique.size, 0);
    const progress = got + agent.counts.sent;
    if (progress !== last) {
      last = progress;
      lastChange = Date.now();
    } else if (Date.now() - lastChange > stallMs) {
      return;
    }
    if (Date.now() - lastPrint > 5000) {
      lastPrint = Date.now();
      const up = clients.filter((c) => c.up).length;
      process.stdout.write(`[${label}] sent ${agent.counts.sent} received ${got} up ${up}/${clients.length} cuts ${clients.reduce((n, c) => n + c.cuts, 0)}\n`);
    }
    await sleep(200);
  }
}

/** Waits (bounded) until the agent tracks every client's login. */
export async function waitForTracking(agent: FaultAgent, clients: FleetClient[], timeoutMs = 60_000): Promise<void> {
  await waitUntil(
    () => {
      const known = new Set(agent.clientIds());
      return clients.every((c) => known.has(c.id));
    },
    'the agent saw every ConnectRequest',
    timeoutMs,
    () => `(${agent.clientIds().length}/${clients.length})`,
  );
}

export interface DeliveryRunOptions {
  readonly label: string;
  readonly url: string;
  readonly agent: FaultAgent;
  readonly scale: FaultScale;
  /** Cut every client's connection every ~cutEveryMs while it is being sent to. */
  readonly cuts: boolean;
  /** The fault, run once half of all messages were sent. */
  readonly midway?: (clients: FleetClient[]) => Promise<void>;
  /** Overrides of the scale's clients/messages/perSecond for this run. */
  readonly clients?: number;
  readonly messages?: number;
  readonly perSecond?: number;
  /** The SDK's reconnect backoff; default: first retry around scale.downMs. */
  readonly reconnect?: ReconnectOptions;
  /** Extra figures for the report. */
  readonly extra?: (clients: FleetClient[]) => Promise<object> | object;
}

export interface DeliveryRunResult {
  readonly count: DeliveryCount;
  readonly expected: number;
  /** Clients without a live session when the run ended (before they were closed). */
  readonly neverBack: number;
  readonly stranded: { messages: number; queues: string[] };
  readonly clients: FleetClient[];
}

/**
 * The shape every delivery fault run shares: log the fleet in, have the
 * agent push `messages` to each at `perSecond`, cut and/or break things,
 * wait until all arrived (or nothing moves any more), count.
 */
export async function deliveryRun(o: DeliveryRunOptions): Promise<DeliveryRunResult> {
  const { agent, scale } = o;
  const n = o.clients ?? scale.clients;
  const messages = o.messages ?? scale.messages;
  // First retry drawn in [downMs·2/3, downMs·4/3]: down ~downMs on average.
  const initialMs = Math.round((scale.downMs * 4) / 3);
  const clients = await startFleet(o.url, n, o.reconnect ?? { initialMs, maxMs: initialMs * 4 });
  try {
    await waitForTracking(agent, clients);
    agent.startPushing(messages, o.perSecond ?? scale.perSecond);
    const stopCuts = o.cuts ? jitterCuts(clients, scale.cutEveryMs, scale.cutJitterMs, (c) => !agent.doneSendingTo(c.id)) : () => undefined;
    try {
      if (o.midway) {
        const total = n * messages;
        await waitUntil(() => agent.counts.sent >= total / 2, 'half the messages were sent', 10 * 60_000, () => `(sent ${agent.counts.sent}/${total})`);
        await o.midway(clients);
      }
      await waitForDelivery(agent, clients, 30_000, o.label);
    } finally {
      stopCuts();
    }
    const neverBack = clients.filter((c) => !c.up).length;
    const stranded = await agent.stranded();
    const count = deliveryCount(o.label, agent, clients);
    const downtime = percentiles(clients.flatMap((c) => c.downtimes));
    printReport(o.label, {
      ...count,
      expected: n * messages,
      neverBack,
      ...(neverBack > 0 ? { neverBackExamples: clients.filter((c) => !c.up).slice(0, 3).map((c) => c.describe()) } : {}),
      stranded: stranded.messages,
      strandedQueues: stranded.queues.slice(0, 5),
      downtimeMs: downtime,
      socketDowntimeMs: percentiles(clients.flatMap((c) => c.socketDowntimes)),
      cutsPerClient: Math.round((clients.reduce((k, c) => k + c.cuts, 0) / n) * 10) / 10,
      agentRetries: agent.counts.retried,
      agentBrokerConnects: agent.counts.connects,
      ...(o.extra ? await o.extra(clients) : {}),
    });
    return { count, stranded, clients, expected: n * messages, neverBack };
  } finally {
    for (const c of clients) c.close();
  }
}

/** The assertions every delivery run ends with: all sent, all received, nothing left behind. */
export function expectAllDelivered(r: DeliveryRunResult, expect: (v: unknown, msg?: string) => { toBe(x: unknown): void; toEqual(x: unknown): void }): void {
  expect(r.count.sent, 'the agent could not send everything').toBe(r.expected);
  expect(r.stranded.queues, 'messages left in old queues').toEqual([]);
  expect(r.count.missingExamples, `received ${r.count.received}/${r.count.sent}`).toEqual([]);
  expect(r.count.received).toBe(r.count.sent);
}
