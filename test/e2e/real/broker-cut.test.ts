import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { loadConfig } from '../../../src/main/config/index.js';
import { startWorker, type RunningWorker } from '../../../src/main/worker.js';
import { AmqpTestAgent, createVhost, deleteVhost, loginDemo, testVhostName } from '../../support/amqp-agent.js';
import { MemoryLogger } from '../../support/fakes.js';
import { realGatewayOverrides } from '../../support/gateway-process.js';
import { closeRabbitConnections, requireRabbitMq, requireRedis } from '../../support/services.js';
import { sleep, TestSocket, until } from '../../support/test-socket.js';

// The broker closes the gateway's connection (as an operator or a failover
// would) while 20 clients make requests and receive pushes that need an ack.
const vhost = testVhostName('cut');
const CLIENTS = 20;
let worker: RunningWorker;
let agent: AmqpTestAgent;
const sockets: TestSocket[] = [];

beforeAll(async () => {
  await requireRabbitMq();
  await requireRedis();
  await createVhost(vhost);
  agent = await AmqpTestAgent.start({ vhost, connectionName: `asgw-e2e-cut-agent ${process.pid}` });
  const { config } = loadConfig({
    env: {},
    argv: realGatewayOverrides(vhost, { 'frontend.clientMessageResendInterval': 2000, 'frontend.maxResends': 0 }),
  });
  worker = await startWorker(config, { logger: new MemoryLogger() });
}, 60_000);

afterAll(async () => {
  for (const s of sockets) s.close();
  await worker?.close();
  await agent?.stop();
  await deleteVhost(vhost);
}, 60_000);

type Outcome = 'ok' | 'AGENT_UNAVAILABLE' | 'other-error' | 'hung';
interface Done { readonly outcome: Outcome; readonly started: number; readonly ended: number }

/** One client under load: acks every push, matches responses and errors to requests. */
class LoadedClient {
  readonly done: Done[] = [];
  readonly pushes = new Set<string>();
  pushEvents = 0;
  private readonly pending = new Map<string, (o: Outcome) => void>();
  private n = 0;

  constructor(readonly s: TestSocket, readonly clientId: string) {
    s.socket.on('push', (m: any) => {
      const id = m?.correspondingMessageId;
      if (typeof id !== 'string') return;
      s.emit('message', { ack: { correspondingMessageId: id } });
      if (m.cn === 'x.Cut') {
        this.pushEvents++;
        this.pushes.add(id);
      } else this.pending.get(id)?.('ok');
    });
    s.socket.on('gatewayError', (e: any) => this.pending.get(e?.messageId)?.(e.code === 'AGENT_UNAVAILABLE' ? 'AGENT_UNAVAILABLE' : 'other-error'));
  }

  async request(): Promise<Done> {
    const id = `${this.clientId}-r${this.n++}`;
    const started = Date.now();
    const outcome = await new Promise<Outcome>((resolve) => {
      const timer = setTimeout(() => settle('hung'), 10_000);
      const settle = (o: Outcome): void => {
        clearTimeout(timer);
        this.pending.delete(id);
        resolve(o);
      };
      this.pending.set(id, settle);
      this.s.emit('findById', { messageId: id, theClassId: id, sendAck: true });
    });
    const done = { outcome, started, ended: Date.now() };
    this.done.push(done);
    return done;
  }
}

describe.sequential('broker connection closed under traffic', () => {
  it('recovers: sockets stay, publishes meanwhile fail fast, every push that needed an ack arrives', async () => {
    const clients = await Promise.all(
      Array.from({ length: CLIENTS }, async () => {
        const s = await TestSocket.open(`http://127.0.0.1:${worker.port}`);
        sockets.push(s);
        const key = await s.start();
        await loginDemo(s);
        const clientId = JSON.parse(Buffer.from(key.split(';')[0]!, 'base64').toString()).clientId as string;
        return new LoadedClient(s, clientId);
      }),
    );

    // Readiness as an orchestrator would see it, sampled finely.
    let down: number | undefined;
    let up: number | undefined;
    const watcher = setInterval(() => {
      const broker = worker.readiness().broker;
      if (!broker && down === undefined) down = Date.now();
      if (broker && down !== undefined && up === undefined) up = Date.now();
    }, 2);

    let running = true;
    const loops = clients.map(async (c) => {
      while (running) {
        await c.request();
        await sleep(20);
      }
    });
    const pushed = new Map<LoadedClient, string[]>(clients.map((c) => [c, []]));
    let pushFailures = 0;
    const pusher = (async () => {
      for (let round = 0; running; round++) {
        await Promise.all(
          clients.map(async (c) => {
            const id = `${c.clientId}-p${round}`;
            await agent.push(c.clientId, { cn: 'x.Cut', correspondingMessageId: id }).then(
              () => pushed.get(c)!.push(id),
              () => pushFailures++,
            );
          }),
        );
        await sleep(50);
      }
    })();

    try {
      await until(() => clients.every((c) => c.done.filter((d) => d.outcome === 'ok').length >= 3), 'traffic flows', 15_000);
      const closed = await closeRabbitConnections(`activestack-gateway pid ${process.pid}`, 'e2e cut');
      expect(closed).toBeGreaterThanOrEqual(1);
      await until(() => up !== undefined, 'readiness reports the broker down, then up again', 20_000);
      await until(
        () => clients.every((c) => c.done.some((d) => d.outcome === 'ok' && d.started > up!)),
        'every client made a round trip after the recovery',
        15_000,
      );
    } finally {
      running = false;
      clearInterval(watcher);
      await Promise.all([...loops, pusher]);
    }

    const all = clients.flatMap((c) => c.done);
    const firstOk = Math.min(...all.filter((d) => d.outcome === 'ok' && d.started >= down!).map((d) => d.ended));
    const sent = [...pushed.values()].reduce((n, ids) => n + ids.length, 0);
    await until(() => clients.every((c) => pushed.get(c)!.every((id) => c.pushes.has(id))), 'every push arrived', 15_000);
    const received = clients.reduce((n, c) => n + c.pushEvents, 0);
    const figures = {
      clients: CLIENTS,
      requests: all.length,
      ok: all.filter((d) => d.outcome === 'ok').length,
      agentUnavailable: all.filter((d) => d.outcome === 'AGENT_UNAVAILABLE').length,
      hung: all.filter((d) => d.outcome === 'hung').length,
      readinessDownMs: up! - down!,
      recoveryMs: firstOk - down!,
      pushesSent: sent,
      pushesReceived: received,
      pushDuplicates: received - clients.reduce((n, c) => n + c.pushes.size, 0),
      agentPushFailures: pushFailures,
    };
    console.info(`[e2e broker cut] ${JSON.stringify(figures)}`);

    expect(figures.hung).toBe(0);
    expect(all.filter((d) => d.outcome === 'other-error')).toEqual([]);
    expect(figures.agentUnavailable).toBeGreaterThan(0);
    expect(pushFailures).toBe(0);
    for (const c of clients) {
      expect(c.s.socket.connected).toBe(true);
      expect(c.s.all('disconnect')).toEqual([]);
    }
    expect(worker.readiness()).toMatchObject({ ready: true, broker: true, redis: true });
    // /ready says the connection was made again, and when.
    const status = worker.readiness().brokerStatus!;
    expect(status.failovers).toBeGreaterThanOrEqual(1);
    expect(Date.parse(status.lastFailoverAt!)).toBeGreaterThan(Date.now() - 120_000);
  }, 60_000);
});
