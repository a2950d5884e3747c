/** What each scenario of issues 5, 9 and 12 runs; `quick` are the few-second versions `npm test` uses. */

export type ScenarioId = 'a' | 'b' | 'bq' | 'c' | 'd' | 'e' | 'f';

/**
 * One server set-up measured in a scenario. All but the relay are the
 * gateway (bench/gateway-entry.ts) on the same broker and Redis.
 */
export type Side = 'relay' | 'gateway' | 'gwq' | 'ws' | 'sup1' | 'sup2';

export interface SideSpec {
  /** Which server runs. */
  readonly server: 'relay' | 'gateway';
  /** How the load generator talks to it: Socket.IO, or the gateway's raw WebSocket transport (/ws). */
  readonly transport: 'socket.io' | 'ws';
  /** Gateway worker processes (with `supervised`, under the cluster supervisor). */
  readonly workers: number;
  /** Run under the cluster supervisor (node:cluster), even with one worker. */
  readonly supervised: boolean;
  /** Its row in the table. */
  readonly label: string;
  /** Its name in the ratio rows (`gw/relay`). */
  readonly short: string;
  /** Extra arguments for bench/gateway-entry.ts (configuration of this side). */
  readonly gatewayArgs?: readonly string[];
}

export const SIDES: Record<Side, SideSpec> = {
  relay: { server: 'relay', transport: 'socket.io', workers: 1, supervised: false, label: 'relay', short: 'relay' },
  gateway: { server: 'gateway', transport: 'socket.io', workers: 1, supervised: false, label: 'gateway', short: 'gw' },
  // Quorum reply queues (replicated): only on bench/cluster-run.ts's 3-node cluster.
  gwq: {
    server: 'gateway', transport: 'socket.io', workers: 1, supervised: false, label: 'gateway-quorum', short: 'gwq',
    gatewayArgs: ['--set', 'gateway.rabbitmq.replyQueueType=quorum'],
  },
  ws: { server: 'gateway', transport: 'ws', workers: 1, supervised: false, label: 'gateway-ws', short: 'ws' },
  sup1: { server: 'gateway', transport: 'socket.io', workers: 1, supervised: true, label: 'sup+1 worker', short: 'sup1' },
  sup2: { server: 'gateway', transport: 'socket.io', workers: 2, supervised: true, label: 'sup+2 workers', short: 'sup2' },
};

export interface Scenario {
  id: ScenarioId;
  title: string;
  clients: number;
  /** Clients opening at once. */
  concurrency: number;
  login: boolean;
  load:
    | { kind: 'closed'; inflight: number; warmupMs: number; durationMs: number }
    | { kind: 'open'; rate: number; warmupMs: number; durationMs: number }
    | { kind: 'idle' };
  /** The sides measured, relay first; every other side is compared with the relay of the same round. */
  sides: Side[];
  /** At most this many rounds, whatever --rounds says (e takes minutes per round). */
  maxRounds?: number;
  /** Run only when asked for with --only (long, or a question of its own). */
  onRequest?: boolean;
}

const CLOSED = (inflight: number, warmupMs: number, durationMs: number) => ({ kind: 'closed' as const, inflight, warmupMs, durationMs });

export function scenarios(quick: boolean): Scenario[] {
  if (quick) {
    return [
      { id: 'a', title: '10 clients x 2 in flight', clients: 10, concurrency: 10, login: true, sides: ['relay', 'gateway', 'ws'], load: CLOSED(2, 300, 1000) },
      { id: 'b', title: '40 clients x 1', clients: 40, concurrency: 20, login: true, sides: ['relay', 'gateway', 'ws'], load: CLOSED(1, 300, 1000) },
      { id: 'c', title: '100 idle clients', clients: 100, concurrency: 50, login: false, sides: ['relay', 'gateway'], load: { kind: 'idle' } },
      { id: 'd', title: '5 clients x 1', clients: 5, concurrency: 5, login: true, sides: ['relay', 'gateway', 'ws'], load: CLOSED(1, 300, 1000) },
    ];
  }
  return [
    { id: 'a', title: '50 clients x 4 in flight', clients: 50, concurrency: 50, login: true, sides: ['relay', 'gateway', 'ws'], load: CLOSED(4, 2000, 10_000) },
    { id: 'b', title: '500 clients x 1', clients: 500, concurrency: 100, login: true, sides: ['relay', 'gateway', 'ws'], load: CLOSED(1, 2000, 10_000) },
    // b again with quorum reply queues beside classic, same run (bench/cluster-run.ts --only b,bq).
    { id: 'bq', title: '500 clients x 1, classic vs quorum reply queues', clients: 500, concurrency: 100, login: true, sides: ['relay', 'gateway', 'gwq'], onRequest: true, load: CLOSED(1, 2000, 10_000) },
    { id: 'c', title: '2,000 idle clients', clients: 2000, concurrency: 100, login: false, sides: ['relay', 'gateway'], load: { kind: 'idle' } },
    { id: 'd', title: '10 clients x 1 (latency floor)', clients: 10, concurrency: 10, login: true, sides: ['relay', 'gateway', 'ws'], load: CLOSED(1, 2000, 10_000) },
    { id: 'e', title: '10,000 logged-in clients, supervisor + 2 workers, 1,000 req/s for 60 s', clients: 10_000, concurrency: 200, login: true, sides: ['relay', 'sup2'], maxRounds: 1, load: { kind: 'open', rate: 1000, warmupMs: 0, durationMs: 60_000 } },
    {
      id: 'f', title: 'the cluster: b on one process, supervisor + 1 worker, supervisor + 2 workers', clients: 500, concurrency: 100, login: true,
      sides: ['relay', 'gateway', 'sup1', 'sup2'], onRequest: true, load: CLOSED(1, 2000, 10_000),
    },
  ];
}
