import { describe, expect, it } from 'vitest';
import { CLUSTER_PORT_ENV, withClusterPort } from '../../../src/main/cluster/cluster-port.js';
import {
  forkAfterExit, isSilent, maxRestartDelay, memoryVerdict, restartDelay, routingWeight, slotVerdict, STARTUP_GRACE_MS, TAKEOVER_GRACE_MS, takeoverUntil,
} from '../../../src/main/cluster/policy.js';
import { exposeRoutingWeight } from '../../../src/main/cluster/sticky-primary.js';
import type { Worker } from 'node:cluster';
import { loadConfig } from '../../../src/main/config/index.js';

const backoff = { workerRestartDelay: 50, maxRestartBackoff: 10 };
const MB = 1024 * 1024;
const memory = { memoryWarning: { rss: 1024, heapTotal: 60 }, memoryLimit: { rss: 2048, heapUsed: 100 } };

describe('restartDelay', () => {
  it('follows workerRestartDelay * random * (2^failures - 1)', () => {
    expect(restartDelay(0, backoff, 0.5)).toBe(0);
    expect(restartDelay(1, backoff, 0.5)).toBe(25);
    expect(restartDelay(3, backoff, 0.5)).toBe(175);
    expect(restartDelay(3, backoff, 0)).toBe(0);
  });

  it('grows with repeated failures and stops growing at maxRestartBackoff', () => {
    const delays = [1, 2, 3, 4, 5].map((f) => maxRestartDelay(f, backoff));
    for (let i = 1; i < delays.length; i++) expect(delays[i]).toBeGreaterThan(delays[i - 1]!);
    expect(maxRestartDelay(10, backoff)).toBe(50 * 1023);
    expect(maxRestartDelay(25, backoff)).toBe(maxRestartDelay(10, backoff));
  });
});

describe('isSilent', () => {
  const heard = (lastHeardAt: number, heartbeats = 1, takeover = 0) => ({ lastHeardAt, heartbeats, takeoverUntil: takeover });

  it('is true only once workerTimeout has passed since the worker was last heard', () => {
    expect(isSilent(heard(1000), 6000, 5000)).toBe(false);
    expect(isSilent(heard(1000), 6001, 5000)).toBe(true);
  });

  it('gives a worker that has not heartbeaten yet the startup grace', () => {
    expect(isSilent(heard(0, 0), 6001, 5000)).toBe(false);
    expect(isSilent(heard(0, 0), STARTUP_GRACE_MS + 1, 5000)).toBe(true);
    expect(isSilent(heard(0, 0), 60_001, 60_000)).toBe(true);
  });

  it('bears with a worker taking over clients until its takeover ends, then applies workerTimeout again', () => {
    const w = heard(1000, 5, 40_000);
    expect(isSilent(w, 1000 + 20_000, 5000)).toBe(false);
    expect(isSilent(w, 1000 + TAKEOVER_GRACE_MS + 1, 5000)).toBe(true);
    expect(isSilent(heard(50_000, 5, 40_000), 55_001, 5000)).toBe(true);
  });

  it('never shortens a workerTimeout longer than the grace', () => {
    expect(isSilent(heard(0, 5, 100_000), 60_000, 90_000)).toBe(false);
    expect(isSilent(heard(0, 5, 100_000), 90_001, 90_000)).toBe(true);
  });
});

describe('takeoverUntil', () => {
  it('covers the grace of a graceful stop, when the last clients are disconnected, plus the takeover grace', () => {
    expect(takeoverUntil(1000, 'graceful', 3000)).toBe(1000 + 3000 + TAKEOVER_GRACE_MS);
    expect(takeoverUntil(1000, 'immediate', 3000)).toBe(1000 + TAKEOVER_GRACE_MS);
  });
});

describe('slotVerdict', () => {
  it('stops the old worker only once its replacement listens', () => {
    expect(slotVerdict(true, true)).toBe('swap');
    expect(slotVerdict(true, false)).toBe('swap');
  });

  it('keeps the old worker serving when the replacement did not listen', () => {
    expect(slotVerdict(false, true)).toBe('keep-old');
  });

  it('keeps a slow replacement when the old worker is gone anyway', () => {
    expect(slotVerdict(false, false)).toBe('keep-new');
  });
});

describe('forkAfterExit', () => {
  const exit = { shuttingDown: false, restarted: false, partnerAlive: false };

  it('forks again for a worker that died on its own', () => {
    expect(forkAfterExit(exit)).toBe(true);
  });

  it('does not fork during a shutdown, nor for a worker a restart stopped', () => {
    expect(forkAfterExit({ ...exit, shuttingDown: true })).toBe(false);
    expect(forkAfterExit({ ...exit, restarted: true })).toBe(false);
  });

  it('does not fork while the other worker of a restart pair holds the slot', () => {
    expect(forkAfterExit({ ...exit, partnerAlive: true })).toBe(false);
  });
});

describe('withClusterPort', () => {
  const { config } = loadConfig({ env: {} });

  it('names a worker by the port its supervisor listens on', () => {
    expect(withClusterPort({ ...config, frontend: { ...config.frontend, port: 0 } }, { [CLUSTER_PORT_ENV]: '41234' }).frontend.port).toBe(41234);
  });

  it('leaves TLS to the supervisor, which terminates it', () => {
    const tls = { ...config, frontend: { ...config.frontend, ssl: true } };
    expect(withClusterPort(tls, { [CLUSTER_PORT_ENV]: '41234' }).frontend.ssl).toBe(false);
  });

  it('leaves the configuration alone without one', () => {
    expect(withClusterPort(config, {})).toBe(config);
  });

  it('refuses a value that is not a port, naming the variable', () => {
    expect(() => withClusterPort(config, { [CLUSTER_PORT_ENV]: '70000' })).toThrow(CLUSTER_PORT_ENV);
    expect(() => withClusterPort(config, { [CLUSTER_PORT_ENV]: 'abc' })).toThrow(/port number/);
  });
});

describe('memoryVerdict', () => {
  it('is ok under every threshold', () => {
    expect(memoryVerdict({ rss: 200 * MB, heapTotal: 50 * MB, heapUsed: 40 * MB }, memory)).toEqual({ action: 'ok' });
  });

  it('warns over a warning threshold', () => {
    const v = memoryVerdict({ rss: 200 * MB, heapTotal: 70 * MB, heapUsed: 40 * MB }, memory);
    expect(v.action).toBe('warn');
    expect(v.action !== 'ok' && v.reasons[0]).toContain('heapTotal');
  });

  it('replaces over a limit, which wins over warnings', () => {
    const v = memoryVerdict({ rss: 3000 * MB, heapTotal: 200 * MB, heapUsed: 150 * MB }, memory);
    expect(v).toEqual({ action: 'replace', reasons: [expect.stringContaining('rss'), expect.stringContaining('heapUsed')] });
  });

  it('treats 0 as no check', () => {
    const off = { memoryWarning: { rss: 0, heapTotal: 0 }, memoryLimit: { rss: 0, heapUsed: 0 } };
    expect(memoryVerdict({ rss: 9e12, heapTotal: 9e12, heapUsed: 9e12 }, off)).toEqual({ action: 'ok' });
  });
});

describe('routingWeight: where the sticky primary sends a new session', () => {
  const serving = { serving: true, leaving: false, sessions: 0 };
  const lightest = (ws: Array<typeof serving>): number => ws.map(routingWeight).indexOf(Math.min(...ws.map(routingWeight)));

  it('prefers the serving worker with the fewest sessions', () => {
    expect(lightest([{ ...serving, sessions: 5 }, { ...serving, sessions: 2 }, { ...serving, sessions: 9 }])).toBe(1);
  });

  it('sends nothing new to a draining worker while another serves, however loaded that one is', () => {
    expect(lightest([{ ...serving, leaving: true }, { ...serving, sessions: 100_000 }])).toBe(1);
  });

  it('never to a worker still starting while any worker has listened (it could not serve the connection)', () => {
    expect(lightest([{ ...serving, serving: false }, { ...serving, leaving: true, sessions: 100_000 }])).toBe(1);
  });
});

describe('exposeRoutingWeight: the view @socket.io/sticky reads and counts through', () => {
  it('reads the weight (ties broken by a fraction under 0.5) and turns the package\'s +1 / -1 into session counts', () => {
    const worker = {} as Worker & { clientsCount: number };
    let sessions = 3;
    exposeRoutingWeight(worker, () => sessions, (d) => { sessions += d; }, () => 0.99);
    expect(worker.clientsCount).toBeGreaterThanOrEqual(3);
    expect(worker.clientsCount).toBeLessThan(3.5);
    // What the package does on "sticky:connection" and "sticky:disconnection".
    worker.clientsCount = (worker.clientsCount || 0) + 1;
    expect(sessions).toBe(4);
    worker.clientsCount--;
    worker.clientsCount--;
    expect(sessions).toBe(2);
  });
});
