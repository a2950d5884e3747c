import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { AmqpTestAgent, createVhost, deleteVhost, testVhostName } from '../../support/amqp-agent.js';
import { requireRabbitMq, requireRedis } from '../../support/services.js';
import { publicPart, TestSocket, until } from '../../support/test-socket.js';
import { replies, runConsole, ServerProcess, writeConfig } from './ops-process.js';

/**
 * `clientmessageresendinterval <ms>` from the console changes how often the
 * workers of a running supervisor re-send an unacknowledged push. The gaps
 * are compared against intervals far apart (2000 ms before, 300 ms after)
 * with wide margins: this checks which interval is in force, not speed.
 */
const BEFORE_MS = 2000;
const AFTER_MS = 300;
const vhost = testVhostName('resend');
let agent: AmqpTestAgent;
let server: ServerProcess;
let file: string;
let url: string;
const sockets: TestSocket[] = [];

beforeAll(async () => {
  await requireRedis();
  await requireRabbitMq();
  await createVhost(vhost);
  agent = await AmqpTestAgent.start({ vhost });
  ({ file } = writeConfig({
    'gateway.rabbitmq.vhost': vhost,
    'frontend.clientMessageResendInterval': BEFORE_MS,
    // The client is meant to never ack: it must not be dropped as broken.
    'frontend.maxResends': 0,
  }));
  server = new ServerProcess([file]);
  url = `http://127.0.0.1:${await server.listening(2)}`;
}, 60_000);

afterAll(async () => {
  for (const s of sockets) s.close();
  await server?.stop();
  await agent?.stop();
  await deleteVhost(vhost);
}, 60_000);

/** A started client and the arrival times of every push of `messageId` it gets. */
async function clientAwaitingAck(messageId: string): Promise<{ socket: TestSocket; arrivals: number[] }> {
  const socket = await TestSocket.open(url);
  sockets.push(socket);
  const clientId = publicPart(await socket.start()).clientId;
  const arrivals: number[] = [];
  socket.socket.on('push', (m: { correspondingMessageId?: string }) => {
    if (m?.correspondingMessageId === messageId) arrivals.push(Date.now());
  });
  await agent.push(clientId, { cn: 'x', correspondingMessageId: messageId });
  return { socket, arrivals };
}

const gaps = (times: number[]): number[] => times.slice(1).map((t, i) => t - times[i]!);

describe.sequential('clientmessageresendinterval on a running supervisor (2 workers, real Redis + RabbitMQ)', () => {
  it('re-sends an unacknowledged push at the configured interval, then at the interval set from the console', async () => {
    const { arrivals } = await clientAwaitingAck('m');
    await until(() => arrivals.length >= 3, 'a push and two re-sends at the configured interval', 15_000);
    const before = gaps(arrivals);
    for (const gap of before) expect(gap, `gaps before: ${before.join(', ')} ms`).toBeGreaterThanOrEqual(1500);

    const out = await runConsole(file, `clientmessageresendinterval ${AFTER_MS}\n`);
    const answers = replies(out, 'clientmessageresendinterval');
    expect(answers.filter((r) => r.ok), out).toHaveLength(2);

    // The timer armed before the change may still fire at its old time: count from the next push on.
    const from = arrivals.length;
    await until(() => arrivals.length >= from + 5, 'five re-sends after the change', 15_000);
    const after = gaps(arrivals.slice(from, from + 5));
    for (const gap of after) expect(gap, `gaps after: ${after.join(', ')} ms (before: ${before.join(', ')})`).toBeLessThanOrEqual(1000);
  }, 60_000);

  it('clients that connect after the change get the new interval too, whichever worker serves them', async () => {
    // The primary deals connections out round-robin: two clients reach both workers.
    const clients = [await clientAwaitingAck('m2'), await clientAwaitingAck('m3')];
    for (const { arrivals } of clients) {
      await until(() => arrivals.length >= 4, 'a push and three re-sends', 15_000);
      const seen = gaps(arrivals.slice(0, 4));
      for (const gap of seen) expect(gap, `gaps: ${seen.join(', ')} ms`).toBeLessThanOrEqual(1000);
    }
  }, 60_000);
});
