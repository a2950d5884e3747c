import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { loadConfig } from '../../../src/main/config/index.js';
import { startWorker, type RunningWorker } from '../../../src/main/worker.js';
import { AmqpTestAgent, createVhost, deleteVhost, loginDemo, testVhostName } from '../../support/amqp-agent.js';
import { MemoryLogger } from '../../support/fakes.js';
import { realGatewayOverrides } from '../../support/gateway-process.js';
import { requireRabbitMq, requireRedis } from '../../support/services.js';
import { publicPart, TestSocket } from '../../support/test-socket.js';

// Issue 10, point 3: reply queues of clients that are gone must not pile up
// on the broker. Anonymous clients' queues go with them; a logged-in
// client's queue stays for the backend (it moves and deletes it).
const vhost = testVhostName('replyq');
let worker: RunningWorker;
let agent: AmqpTestAgent;
let url: string;

beforeAll(async () => {
  await requireRabbitMq();
  await requireRedis();
  await createVhost(vhost);
  agent = await AmqpTestAgent.start({ vhost });
  const { config } = loadConfig({ env: {}, argv: realGatewayOverrides(vhost) });
  worker = await startWorker(config, { logger: new MemoryLogger() });
  url = `http://127.0.0.1:${worker.port}`;
}, 60_000);

afterAll(async () => {
  await worker?.close();
  await agent?.stop();
  await deleteVhost(vhost);
}, 60_000);

async function until(check: () => Promise<boolean>, what: string): Promise<void> {
  const deadline = Date.now() + 10_000;
  while (!(await check())) {
    if (Date.now() > deadline) throw new Error(`timed out waiting until ${what}`);
    await new Promise((r) => setTimeout(r, 50));
  }
}

describe('reply queues of clients that are gone', () => {
  it('20 anonymous connect/disconnect cycles leave no reply queue behind', async () => {
    const ids: string[] = [];
    for (let i = 0; i < 20; i++) {
      const s = await TestSocket.open(url);
      ids.push(publicPart(await s.start()).clientId);
      expect(await agent.queueInfo(ids[i]!)).toEqual({ messages: 0, consumers: 1 });
      s.close();
    }
    await until(async () => (await Promise.all(ids.map((id) => agent.queueInfo(id)))).every((q) => q === undefined), 'every anonymous queue is gone');
  });

  it('keeps the queue of a logged-in client, and of an anonymous one that still holds a push', async () => {
    const loggedIn = await TestSocket.open(url);
    const kept = publicPart(await loggedIn.start()).clientId;
    await loginDemo(loggedIn);
    loggedIn.close();
    const holding = await TestSocket.open(url);
    const held = publicPart(await holding.start()).clientId;
    await agent.push(held, { cn: 'x.Held', correspondingMessageId: 'h1' });
    await holding.next('push', (m) => m.cn === 'x.Held');
    holding.close();
    // The consumer is cancelled before the held push is sent back (cancel
    // before nack), so wait for the push to be ready again, not only for the
    // consumer to go.
    await until(async () => (await agent.queueInfo(kept))?.consumers === 0 && (await agent.queueInfo(held))?.messages === 1, 'both consumers are gone and the held push is back in its queue');
    expect(await agent.queueInfo(kept)).toEqual({ messages: 0, consumers: 0 });
    // The push it had not acked went back to its queue, so the queue stays (the key resumes it).
    expect(await agent.queueInfo(held)).toEqual({ messages: 1, consumers: 0 });
  });
});
