/**
 * The test agent as its own process (benchmarks, manual runs):
 *
 *   node --import tsx test/support/agent-process.ts [--vhost V] [--url amqp://…] [--durable]
 *
 * Prints `agent ready` once it consumes the agent queues. Commands, one JSON
 * object per stdin line: `{"push":"<clientId>","msg":{…}}` or
 * `{"eol":"<clientId>"}`; each answers `ok` or `error <message>` on stdout.
 * SIGTERM/SIGINT stops it (stdin closing does not: it may be /dev/null).
 */
import { createInterface } from 'node:readline';
import { parseArgs } from 'node:util';
import { AmqpTestAgent } from './amqp-agent.js';

const { values } = parseArgs({
  options: {
    vhost: { type: 'string', default: process.env.AGENT_VHOST ?? '/' },
    url: { type: 'string', default: process.env.AGENT_RABBITMQ_URL },
    durable: { type: 'boolean', default: false },
  },
});

const agent = await AmqpTestAgent.start({
  vhost: values.vhost,
  durable: values.durable,
  ...(values.url ? { url: values.url } : {}),
  connectionName: `asgw-test-agent process ${process.pid}`,
});
process.stdout.write('agent ready\n');

let stopping = false;
const stop = async (): Promise<void> => {
  if (stopping) return;
  stopping = true;
  await agent.stop();
  process.exit(0);
};
process.on('SIGTERM', () => void stop());
process.on('SIGINT', () => void stop());

const lines = createInterface({ input: process.stdin });
lines.on('line', (line) => {
  if (!line.trim()) return;
  void (async () => {
    try {
      const cmd = JSON.parse(line) as { push?: string; msg?: Record<string, unknown>; eol?: string };
      if (typeof cmd.push === 'string') await agent.push(cmd.push, cmd.msg ?? {});
      else if (typeof cmd.eol === 'string') await agent.eol(cmd.eol);
      else throw new Error('expected {"push":clientId,"msg":{…}} or {"eol":clientId}');
      process.stdout.write('ok\n');
    } catch (err) {
      process.stdout.write(`error ${(err as Error).message}\n`);
    }
  })();
});
