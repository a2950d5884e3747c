import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startCluster, type ClusterGateway } from './lib/cluster-stack.js';
import { startStack, type RealStack } from './lib/real-stack.js';
import { percentiles } from './lib/report.js';
import { faultScale } from './lib/scale.js';
import { deliveryRun, expectAllDelivered, waitUntil } from './lib/scenario.js';

const scale = faultScale();
const GRACE_MS = 3_000;

/**
 * `restart graceful` from the console (control channel) with clients
 * connected and messages flowing. Published figure for a plain Socket.IO
 * redeploy: ~6.8 s down, 3.8% never back.
 */
describe(`rolling restart: restart graceful with ${scale.restartClients} clients (${scale.name})`, () => {
  let stack: RealStack;
  let cluster: ClusterGateway;

  beforeAll(async () => {
    stack = await startStack('restart');
    cluster = await startCluster(stack, 2);
  }, 120_000);

  afterAll(async () => {
    await cluster?.stop();
    await stack?.close();
  }, 60_000);

  it('every client comes back with its session and every message arrives', async () => {
    const before: number[] = [];
    let consoleOut = '';
    const result = await deliveryRun({
      label: `rolling restart ${scale.name}`,
      url: cluster.url,
      agent: stack.agent,
      scale,
      clients: scale.restartClients,
      messages: Math.max(10, Math.round(scale.messages / 2)),
      perSecond: 1,
      cuts: false,
      // What an application runs: the SDK's default backoff.
      reconnect: { initialMs: 500, maxMs: 10_000 },
      midway: async (clients) => {
        before.push(...cluster.workerPids());
        consoleOut = await cluster.console(`restart graceful ${GRACE_MS}\n`);
        await waitUntil(
          () => clients.every((c) => c.downtimes.length > 0 && c.up),
          'every client was dropped by its old worker and came back',
          GRACE_MS + 120_000,
          () => `(${clients.filter((c) => c.downtimes.length > 0 && c.up).length}/${clients.length}); console: ${consoleOut}`,
        ).catch(() => undefined); // the count below says who never came back
      },
      extra: (clients) => ({
        graceMs: GRACE_MS,
        withoutSocketMs: percentiles(clients.flatMap((c) => c.downtimes)),
        droppedByRestart: clients.filter((c) => c.downtimes.length > 0).length,
        neverBackAfterRestart: clients.filter((c) => !c.up).length,
        refusedKeys: clients.reduce((n, c) => n + c.keyRefused, 0),
        oldWorkers: before,
        newWorkers: cluster.workerPids().filter((p) => !before.includes(p)),
        // Why workers were replaced beyond the restart (watchdog, memory), by message.
        warnings: Object.fromEntries(
          [...new Set(cluster.server.logs.filter((r) => r.level >= 40).map((r) => r.msg))].map((m) => [m, cluster.server.logs.filter((r) => r.level >= 40 && r.msg === m).length]),
        ),
      }),
    });
    expect(consoleOut).toMatch(/restart\s+ok/);
    expect(result.neverBack, 'clients that never came back').toBe(0);
    expect(result.count.keysRefused, 'sessions lost across the restart').toBe(0);
    expectAllDelivered(result, expect);
  });
});
