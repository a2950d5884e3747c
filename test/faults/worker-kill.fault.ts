import { mkdirSync, writeFileSync } from 'node:fs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { alive, startCluster, type ClusterGateway } from './lib/cluster-stack.js';
import { startStack, type RealStack } from './lib/real-stack.js';
import { faultScale } from './lib/scale.js';
import { deliveryRun, expectAllDelivered, waitUntil } from './lib/scenario.js';

const scale = faultScale();

/** The jitter run on a supervisor with 2 workers, one of which is SIGKILLed once half the messages are out. */
describe(`worker kill: ${scale.clients} clients on 2 workers, one SIGKILLed midway (${scale.name})`, () => {
  let stack: RealStack;
  let cluster: ClusterGateway;

  beforeAll(async () => {
    stack = await startStack('kill');
    cluster = await startCluster(stack, 2);
  }, 120_000);

  afterAll(async () => {
    await cluster?.stop();
    // The supervisor's and workers' log lines, for a run that went wrong.
    if (cluster) {
      mkdirSync('test-artifacts', { recursive: true });
      writeFileSync('test-artifacts/worker-kill.server.log', cluster.server.lines.join('\n'));
    }
    await stack?.close();
  }, 60_000);

  it('every message that needed an ack reaches its client although a worker died', async () => {
    let killed = 0;
    const result = await deliveryRun({
      label: `worker kill ${scale.name}`,
      url: cluster.url,
      agent: stack.agent,
      scale,
      cuts: true,
      midway: async () => {
        const [victim] = cluster.workerPids().filter(alive);
        if (victim === undefined) throw new Error('no live worker to kill');
        killed = victim;
        process.kill(victim, 'SIGKILL');
        await waitUntil(() => !alive(victim), 'the worker died', 10_000);
      },
      extra: () => ({ killedPid: killed, workersAfter: cluster.workerPids().filter(alive).length }),
    });
    expect(killed).toBeGreaterThan(0);
    expectAllDelivered(result, expect);
    // The supervisor replaced the dead worker.
    await waitUntil(() => cluster.workerPids().filter(alive).length >= 2, 'the supervisor forked a replacement', 30_000);
    expect(cluster.server.child.exitCode, cluster.server.output()).toBeNull();
  });
});
