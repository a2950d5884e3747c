import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { GatewayProcess } from '../support/gateway-process.js';
import { startFleet, type FleetClient } from './lib/fleet.js';
import { freePort } from '../support/free-port.js';
import { sampleGateway, type GatewaySample } from './lib/gateway-metrics.js';
import { startGatewayProcess, startStack, type RealStack } from './lib/real-stack.js';
import { printReport } from './lib/report.js';
import { faultScale } from './lib/scale.js';
import { sleep } from './lib/scenario.js';

const scale = faultScale();
const REQUEST_EVERY_MS = 4_000;

/**
 * Soak (only with FAULTS_SOAK=1; see vitest.faults.config.ts): clients with
 * steady request/ack traffic for soakMs. RSS and event-loop lag must stay
 * flat, handles and timers must not grow, and must fall back once the
 * clients are gone.
 */
describe(`soak: ${scale.soakClients} clients for ${scale.soakMs / 60_000} min`, () => {
  let stack: RealStack;
  let gateway: GatewayProcess;
  /** /metrics is on the metrics port, not the client port. */
  let metricsUrl: string;

  beforeAll(async () => {
    stack = await startStack('soak');
    const metricsPort = await freePort();
    metricsUrl = `http://127.0.0.1:${metricsPort}`;
    gateway = await startGatewayProcess(stack, { 'frontend.metrics.port': metricsPort });
  }, 120_000);

  afterAll(async () => {
    await gateway?.stop();
    await stack?.close();
  }, 60_000);

  it('RSS, event-loop lag, handles and timers stay flat', async () => {
    const idle = await sampleGateway(metricsUrl);
    const clients: FleetClient[] = await startFleet(gateway.url, scale.soakClients, { initialMs: 500, maxMs: 10_000 });
    let requests = 0;
    let failures = 0;
    const due = new Map(clients.map((c) => [c, Date.now() + Math.random() * REQUEST_EVERY_MS]));
    const traffic = setInterval(() => {
      const now = Date.now();
      for (const c of clients) {
        if (due.get(c)! > now) continue;
        due.set(c, now + REQUEST_EVERY_MS);
        requests++;
        c.sdk.request('findById', { theClassName: 'Soak', theClassId: String(requests) }, { timeout: 30_000 }).catch(() => failures++);
      }
    }, 50);
    const samples: GatewaySample[] = [];
    try {
      const end = Date.now() + scale.soakMs;
      while (Date.now() < end) {
        await sleep(Math.min(15_000, Math.max(1_000, scale.soakMs / 20)));
        const s = await sampleGateway(metricsUrl);
        samples.push(s);
        process.stdout.write(`[soak] ${JSON.stringify(s)} requests ${requests} failures ${failures}\n`);
      }
    } finally {
      clearInterval(traffic);
    }
    await sleep(2_000);
    for (const c of clients) c.close();
    let after = await sampleGateway(metricsUrl);
    for (let i = 0; i < 50 && after.clients > 0; i++) {
      await sleep(200);
      after = await sampleGateway(metricsUrl);
    }
    // Warm-up: the first quarter of the run; then compare with the last quarter.
    const q = Math.max(1, Math.floor(samples.length / 4));
    const early = samples.slice(q, 2 * q);
    const late = samples.slice(-q);
    const avg = (xs: GatewaySample[], k: keyof GatewaySample): number => xs.reduce((n, s) => n + s[k], 0) / xs.length;
    const figures = {
      clients: scale.soakClients,
      minutes: scale.soakMs / 60_000,
      requests,
      failures,
      idle,
      early: { rssMb: avg(early, 'rssMb'), lagP99Ms: avg(early, 'lagP99Ms'), handles: avg(early, 'handles'), timers: avg(early, 'timers') },
      late: { rssMb: avg(late, 'rssMb'), lagP99Ms: avg(late, 'lagP99Ms'), handles: avg(late, 'handles'), timers: avg(late, 'timers') },
      afterClose: after,
    };
    printReport('soak', figures);
    expect(failures, 'requests without an answer').toBe(0);
    expect(figures.late.rssMb, 'RSS grew').toBeLessThanOrEqual(figures.early.rssMb * 1.2 + 10);
    expect(figures.late.lagP99Ms, 'event-loop lag grew').toBeLessThanOrEqual(Math.max(figures.early.lagP99Ms * 2, 50));
    expect(figures.late.handles, 'handles grew').toBeLessThanOrEqual(figures.early.handles * 1.05 + 5);
    expect(figures.late.timers, 'timers grew').toBeLessThanOrEqual(figures.early.timers * 1.05 + 5);
    expect(after.clients).toBe(0);
    expect(after.handles, 'handles left after every client went').toBeLessThanOrEqual(idle.handles + 5);
    expect(after.timers, 'timers left after every client went').toBeLessThanOrEqual(idle.timers + 5);
  }, 4 * 3_600_000);
});
