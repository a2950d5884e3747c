import { createVhost, deleteVhost, testVhostName, vhostUrl } from '../../support/amqp-agent.js';
import { realGatewayOverrides, spawnGateway, type GatewayProcess, type Overrides } from '../../support/gateway-process.js';
import { requireRabbitMq, requireRedis } from '../../support/services.js';
import { FaultAgent } from './fault-agent.js';

export interface RealStack {
  readonly vhost: string;
  readonly agent: FaultAgent;
  readonly agentName: string;
  close(): Promise<void>;
}

/** A fresh vhost and the fault agent on it; fails (never skips) when RabbitMQ or Redis are missing. */
export async function startStack(name: string): Promise<RealStack> {
  await requireRabbitMq();
  await requireRedis();
  const vhost = testVhostName(`faults-${name}`);
  await createVhost(vhost);
  const agentName = `asgw-fault-agent ${vhost}`;
  let agent: FaultAgent;
  try {
    agent = await FaultAgent.start(vhostUrl(vhost), agentName);
  } catch (err) {
    await deleteVhost(vhost);
    throw err;
  }
  return {
    vhost,
    agent,
    agentName,
    close: async () => {
      await agent.stop();
      await deleteVhost(vhost);
    },
  };
}

/** One gateway worker process on the stack's vhost and Redis key space. */
export function startGatewayProcess(stack: RealStack, extra: Overrides = {}): Promise<GatewayProcess> {
  // The fleet is hundreds of users on one address (127.0.0.1): per-address limits off.
  return spawnGateway(
    realGatewayOverrides(stack.vhost, {
      'frontend.logLevel': 'warn',
      'frontend.connections.perAddress': 0,
      'frontend.connections.perAddressPerSecond': 0,
      ...extra,
    }),
    { timeoutMs: 60_000 },
  );
}
