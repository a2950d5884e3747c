import { afterEach, describe, expect, it } from 'vitest';
import type { GatewayProcess } from '../support/gateway-process.js';
import { startGatewayProcess, startStack, type RealStack } from './lib/real-stack.js';
import { faultScale } from './lib/scale.js';
import { deliveryRun, expectAllDelivered, waitUntil } from './lib/scenario.js';
import { bounceRedis, closeVhostConnections } from './lib/services-bounce.js';

const scale = faultScale();

/** The services the gateway depends on fail under load; nothing may be lost. */
describe(`broker and Redis cut under load: ${scale.clients} clients (${scale.name})`, () => {
  let stack: RealStack | undefined;
  let gateway: GatewayProcess | undefined;

  afterEach(async () => {
    await gateway?.stop();
    await stack?.close();
    gateway = stack = undefined;
  }, 60_000);

  it('rabbitmqctl close_all_connections: gateway and agent reconnect, every message arrives', async () => {
    stack = await startStack('brokercut');
    gateway = await startGatewayProcess(stack);
    const agent = stack.agent;
    const vhost = stack.vhost;
    const connectsBefore = agent.counts.connects;
    const result = await deliveryRun({
      label: `broker cut ${scale.name}`,
      url: gateway.url,
      agent,
      scale,
      cuts: false,
      midway: async () => {
        await closeVhostConnections(vhost);
        await waitUntil(() => agent.counts.connects > connectsBefore && agent.isConnected(), 'the agent reconnected', 30_000);
      },
    });
    expect(agent.counts.connects).toBeGreaterThan(connectsBefore);
    expectAllDelivered(result, expect);
    expect(gateway.child.exitCode, gateway.output()).toBeNull();
  });

  it('Redis stopped and restarted under load, connections still being cut: every message arrives', async () => {
    stack = await startStack('redis');
    gateway = await startGatewayProcess(stack);
    const result = await deliveryRun({
      label: `redis restart ${scale.name}`,
      url: gateway.url,
      agent: stack.agent,
      scale,
      cuts: true,
      midway: () => bounceRedis(1_000),
    });
    expect(result.count.keysRefused, 'sessions lost: reconnect keys refused while Redis was away').toBe(0);
    expectAllDelivered(result, expect);
    expect(gateway.child.exitCode, gateway.output()).toBeNull();
  });
});
