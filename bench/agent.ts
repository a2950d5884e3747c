import { AGENT_QUEUES, AmqpTestAgent } from '../test/support/amqp-agent.js';

/**
 * The backend stand-in for the bench: the project's amqplib test agent
 * (test/support/amqp-agent.ts) in its own process, on the bench's vhost.
 *
 *   node --import tsx bench/agent.ts --amqp amqp://guest:guest@127.0.0.1:5672 --vhost asgw-bench
 * Prints `agent ready` once it consumes its queues.
 */

function arg(name: string, fallback: string): string {
  const i = process.argv.indexOf(`--${name}`);
  return i >= 0 && process.argv[i + 1] !== undefined ? process.argv[i + 1]! : fallback;
}

const agent = await AmqpTestAgent.start({
  url: arg('amqp', 'amqp://guest:guest@127.0.0.1:5672'),
  vhost: arg('vhost', '/'),
  connectionName: `asgw-bench agent pid ${process.pid}`,
});
// The test agent records every request for assertions; a bench has none to make,
// and a record growing by thousands a second would make the agent slower over time.
const forget = setInterval(() => {
  for (const q of AGENT_QUEUES) agent.received(q).length = 0;
}, 1000);
console.log('agent ready');

const stop = (): void => {
  clearInterval(forget);
  void agent.stop().finally(() => process.exit(0));
};
process.on('SIGTERM', stop);
process.on('SIGINT', stop);
process.on('disconnect', stop);
