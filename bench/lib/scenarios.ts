/** What each scenario of issue 5 runs; `quick` are the few-second versions `npm test` uses. */

export type ScenarioId = 'a' | 'b' | 'bq' | 'c' | 'd' | 'e';
export type Side = 'relay' | 'gateway';

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
  /** Gateway worker processes (the relay always runs one). */
  workers: number;
  /** At most this many rounds, whatever --rounds says (e takes minutes per round). */
  maxRounds?: number;
  /** The gateway's gateway.rabbitmq.replyQueueType (default classic). */
  replyQueueType?: 'classic' | 'quorum';
  /** Sides measured (default both). */
  sides?: Side[];
}

export function scenarios(quick: boolean): Scenario[] {
  if (quick) {
    return [
      { id: 'a', title: '10 clients x 2 in flight', clients: 10, concurrency: 10, login: true, workers: 1, load: { kind: 'closed', inflight: 2, warmupMs: 300, durationMs: 1000 } },
      { id: 'b', title: '40 clients x 1', clients: 40, concurrency: 20, login: true, workers: 1, load: { kind: 'closed', inflight: 1, warmupMs: 300, durationMs: 1000 } },
      { id: 'c', title: '100 idle clients', clients: 100, concurrency: 50, login: false, workers: 1, load: { kind: 'idle' } },
      { id: 'd', title: '5 clients x 1', clients: 5, concurrency: 5, login: true, workers: 1, load: { kind: 'closed', inflight: 1, warmupMs: 300, durationMs: 1000 } },
    ];
  }
  return [
    { id: 'a', title: '50 clients x 4 in flight', clients: 50, concurrency: 50, login: true, workers: 1, load: { kind: 'closed', inflight: 4, warmupMs: 2000, durationMs: 10_000 } },
    { id: 'b', title: '500 clients x 1', clients: 500, concurrency: 100, login: true, workers: 1, load: { kind: 'closed', inflight: 1, warmupMs: 2000, durationMs: 10_000 } },
    // b again with quorum reply queues: its gateway row sits beside b's classic one (the relay is b's).
    { id: 'bq', title: '500 clients x 1, quorum reply queues (gateway only)', clients: 500, concurrency: 100, login: true, workers: 1, replyQueueType: 'quorum', sides: ['gateway'], load: { kind: 'closed', inflight: 1, warmupMs: 2000, durationMs: 10_000 } },
    { id: 'c', title: '2,000 idle clients', clients: 2000, concurrency: 100, login: false, workers: 1, load: { kind: 'idle' } },
    { id: 'd', title: '10 clients x 1 (latency floor)', clients: 10, concurrency: 10, login: true, workers: 1, load: { kind: 'closed', inflight: 1, warmupMs: 2000, durationMs: 10_000 } },
    { id: 'e', title: '10,000 logged-in clients, 2 workers, 1,000 req/s for 60 s', clients: 10_000, concurrency: 200, login: true, workers: 2, maxRounds: 1, load: { kind: 'open', rate: 1000, warmupMs: 0, durationMs: 60_000 } },
  ];
}
