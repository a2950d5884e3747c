import { fileURLToPath } from 'node:url';
import { afterEach, beforeAll, describe, expect, it } from 'vitest';
import { requireRabbitMq, requireRedis } from '../../support/services.js';
import { ServerProcess, writeConfig, type LogRecord } from './ops-process.js';

/**
 * Restart backoff as the operator sees it in the supervisor's log: a slot
 * whose worker keeps dying waits workerRestartDelay * random * (2^min(f, max) - 1)
 * ms after its f-th failure in a row. The random factor makes single delays
 * unordered, so the tests check the failure count, the bound of every delay,
 * the cap, and that late delays are larger than early ones can ever be.
 */
const ENTRY = fileURLToPath(new URL('./crash-worker-entry.ts', import.meta.url));
const BASE_MS = 20;
const MAX_EXPONENT = 5;
const bound = (failures: number): number => BASE_MS * (2 ** Math.min(failures, MAX_EXPONENT) - 1);

const running: ServerProcess[] = [];

beforeAll(async () => {
  await requireRedis();
  await requireRabbitMq();
});

afterEach(async () => {
  await Promise.all(running.splice(0).map((p) => p.stop()));
}, 40_000);

function supervisor(extra: Record<string, unknown>, env: Record<string, string> = {}): ServerProcess {
  const { file } = writeConfig({
    'cluster.workerCount': 2,
    'cluster.workerRestartDelay': BASE_MS,
    'cluster.maxRestartBackoff': MAX_EXPONENT,
    ...extra,
  });
  const p = new ServerProcess([file], { entry: ENTRY, env });
  running.push(p);
  return p;
}

type Restart = { slot: number; failures: number; delayMs: number };
const restarts = (logs: LogRecord[]): Restart[] =>
  logs.filter((r) => r.msg === 'restarting worker').map((r) => ({ slot: Number(r.slot), failures: Number(r.failures), delayMs: Number(r.delayMs) }));
const ofSlot = (logs: LogRecord[], slot: number): Restart[] => restarts(logs).filter((r) => r.slot === slot);

describe('restart backoff of the supervisor', () => {
  it('grows with every failure in a row of a worker that dies before its first heartbeat, up to the cap', async () => {
    const N = 7;
    const server = supervisor({}, { ASGW_TEST_CRASH_WORKER: '1' });
    await server.until((logs) => [0, 1].every((slot) => ofSlot(logs, slot).length >= N), `${N} restarts of both slots`, 50_000);
    await server.stop();

    for (const slot of [0, 1]) {
      const seq = ofSlot(server.logs, slot).slice(0, N);
      // Never reset: no worker ever heartbeated.
      expect(seq.map((r) => r.failures), JSON.stringify(seq)).toEqual([1, 2, 3, 4, 5, 6, 7]);
      // Each delay within its bound; beyond maxRestartBackoff the bound stops doubling.
      for (const r of seq) expect(r.delayMs, JSON.stringify(r)).toBeLessThanOrEqual(bound(r.failures));
      expect(seq.every((r) => r.delayMs >= 0)).toBe(true);
    }
    const exits = server.logs.filter((r) => r.msg === 'worker exited');
    expect(exits.length).toBeGreaterThanOrEqual(2 * N);
    expect(exits.every((r) => r.code === 3)).toBe(true);
    // Later delays exceed what the first failures can ever wait (mean of 8 draws
    // up to >= 300 ms each, against at most 60 ms): the backoff really grows.
    const late = restarts(server.logs).filter((r) => r.failures >= 4 && r.failures <= N).map((r) => r.delayMs);
    const mean = late.reduce((a, b) => a + b, 0) / late.length;
    expect(mean, JSON.stringify(late)).toBeGreaterThan(bound(2));
  }, 60_000);

  it('grows for a worker that fails during start-up after heartbeating', async () => {
    const N = 4;
    const server = supervisor({}, { ASGW_TEST_CRASH_WORKER: 'after-heartbeat' });
    const slotWith = (logs: LogRecord[]): number | undefined => [0, 1].find((slot) => ofSlot(logs, slot).length >= N);
    await server.until((logs) => slotWith(logs) !== undefined, `${N} restarts of a slot`, 50_000);
    await server.stop();

    expect(server.logs.some((r) => r.msg === 'gateway listening')).toBe(false);
    const seq = ofSlot(server.logs, slotWith(server.logs)!).slice(0, N);
    // A worker that heartbeated but never served must not reset its slot's failures.
    expect(seq.map((r) => r.failures), JSON.stringify(seq)).toEqual([1, 2, 3, 4]);
  }, 60_000);
});
