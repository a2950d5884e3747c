import { appendFileSync, mkdirSync } from 'node:fs';
import { join } from 'node:path';
import { Redis } from 'ioredis';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createClient, type ActiveStackClient } from '../../../src/client/index.js';
import type { KeyStorage } from '../../../src/client/types.js';
import { loadConfig } from '../../../src/main/config/index.js';
import { startWorker, type RunningWorker } from '../../../src/main/worker.js';
import { AGENT_USER, AmqpTestAgent, createVhost, deleteVhost, testVhostName } from '../../support/amqp-agent.js';
import { MemoryLogger } from '../../support/fakes.js';
import { realGatewayOverrides } from '../../support/gateway-process.js';
import { killAllRedisProcesses, RedisProcess, requireFreePorts } from '../../support/redis-process.js';
import { requireRabbitMq } from '../../support/services.js';
import { publicPart, TestSocket } from '../../support/test-socket.js';

/**
 * Redis Sentinel failover under traffic. A primary (6390), a replica (6391)
 * and three Sentinels (26390-26392), all started here; the gateway knows
 * only the Sentinels. Clients are logged in and busy (requests, pushes that
 * need acks); the primary is SIGKILLed; during the outage some clients drop
 * and resume with their keys, some log out. No client may lose its session
 * or a message, logouts must still revoke, and the outage as the gateway saw
 * it is printed and appended to test-artifacts/redis-sentinel.jsonl.
 */
const MASTER = 'asgw-test';
const PRIMARY = 6390;
const REPLICA = 6391;
const SENTINELS = [26390, 26391, 26392];
const DOWN_AFTER_MS = 1000;
const PUSH_CN = 'x.SentinelPush';
/** Every wait of this test is bounded by this; the whole test by the vitest timeout. */
const WAIT_MS = 30_000;

const vhost = testVhostName('sentinel');
let agent: AmqpTestAgent;
let worker: RunningWorker | undefined;
let primary: RedisProcess;

const sleep = (ms: number): Promise<void> => new Promise((r) => setTimeout(r, ms));

async function waitUntil(check: () => boolean | Promise<boolean>, what: string, timeoutMs = WAIT_MS): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!(await check())) {
    if (Date.now() > deadline) throw new Error(`timed out (${timeoutMs} ms) waiting until ${what}`);
    await sleep(20);
  }
}

/** One command to a local Redis or Sentinel, on a connection of its own. */
async function ask<T>(port: number, ...args: string[]): Promise<T> {
  const r = new Redis({ host: '127.0.0.1', port, lazyConnect: true, maxRetriesPerRequest: 0, retryStrategy: () => null, enableReadyCheck: false });
  r.on('error', () => undefined);
  try {
    await r.connect();
    return (await r.call(args[0]!, ...args.slice(1))) as T;
  } finally {
    r.disconnect();
  }
}

async function sentinelView(port: number): Promise<Record<string, string>> {
  const flat = await ask<string[]>(port, 'SENTINEL', 'MASTER', MASTER);
  const view: Record<string, string> = {};
  for (let i = 0; i + 1 < flat.length; i += 2) view[flat[i]!] = flat[i + 1]!;
  return view;
}

beforeAll(async () => {
  await requireFreePorts([PRIMARY, REPLICA, ...SENTINELS]);
  await requireRabbitMq();
  await createVhost(vhost);
  agent = await AmqpTestAgent.start({ vhost });
  primary = await RedisProcess.server(PRIMARY);
  await RedisProcess.server(REPLICA, ['--replicaof', '127.0.0.1', String(PRIMARY)]);
  await waitUntil(async () => /master_link_status:up/.test(await ask<string>(REPLICA, 'INFO', 'replication')), 'the replica is in sync');
  for (const port of SENTINELS) {
    await RedisProcess.sentinel(port, MASTER, PRIMARY, { downAfterMs: DOWN_AFTER_MS, failoverTimeoutMs: 5000 });
  }
  // A failover needs a majority of Sentinels that know each other and the replica.
  await waitUntil(async () => {
    const views = await Promise.all(SENTINELS.map((port) => sentinelView(port)));
    return views.every((v) => v['num-other-sentinels'] === '2' && v['num-slaves'] === '1');
  }, 'the Sentinels know each other and the replica');
}, 90_000);

afterAll(async () => {
  await worker?.close();
  await agent?.stop();
  await deleteVhost(vhost);
  await killAllRedisProcesses();
}, 60_000);

/** One SDK client as an application runs it, with what it sent and got. */
class Client {
  readonly sdk: ActiveStackClient;
  key: string | null = null;
  traffic = true;
  sent = 0;
  answered = 0;
  readonly failures: string[] = [];
  readonly pushesSent = new Set<string>();
  readonly pushesGot = new Set<string>();
  readonly sessions: Array<{ change: string; at: number; userId?: string }> = [];
  disconnects = 0;
  readonly errors: string[] = [];

  constructor(url: string, readonly role: 'steady' | 'resumer' | 'leaver') {
    const storage: KeyStorage = {
      get: () => this.key,
      set: (key) => (this.key = key),
      clear: () => (this.key = null),
    };
    this.sdk = createClient({ url, storage, reconnect: { initialMs: 100, maxMs: 1000 }, requestTimeoutMs: 60_000 });
    this.sdk.on('push', PUSH_CN, (push) => {
      if (typeof push.correspondingMessageId === 'string') this.pushesGot.add(push.correspondingMessageId);
    });
    this.sdk.on('session', (s, change) => this.sessions.push({ change, at: Date.now(), ...(s.userId ? { userId: s.userId } : {}) }));
    this.sdk.on('disconnect', () => this.disconnects++);
    this.sdk.on('error', (e) => this.errors.push(e.code));
  }

  async login(): Promise<void> {
    await this.sdk.connect();
    await this.sdk.request('authenticateUserAccount', { credential: { username: AGENT_USER.username, password: AGENT_USER.password } });
    await waitUntil(() => this.sdk.session?.userId === AGENT_USER.userId, 'the client is logged in');
  }

  request(n: number): void {
    this.sent++;
    this.sdk.request('findById', { theClassId: String(n) }).then(
      (reply) => {
        if ((reply.result as { ID?: string } | undefined)?.ID === String(n)) this.answered++;
        else this.failures.push(`wrong reply to ${n}: ${JSON.stringify(reply).slice(0, 200)}`);
      },
      (err: Error & { code?: string }) => this.failures.push(`request ${n}: ${err.code ?? err.message}`),
    );
  }

  get settled(): boolean {
    return this.answered + this.failures.length === this.sent && [...this.pushesSent].every((id) => this.pushesGot.has(id));
  }
}

describe('Redis Sentinel failover under traffic', () => {
  it('loses no session and no message; logouts during the outage still revoke', async () => {
    const logger = new MemoryLogger();
    const { config } = loadConfig({
      env: {},
      argv: realGatewayOverrides(vhost, {
        'gateway.redis.sentinels': SENTINELS.map((p) => `127.0.0.1:${p}`).join(','),
        'gateway.redis.sentinelName': MASTER,
        'gateway.redis.commandTimeout': 1000,
        'frontend.clientMessageResendInterval': 1000,
        'frontend.maxResends': 0,
      }),
    });
    worker = await startWorker(config, { logger });
    const gateway = worker;
    await waitUntil(() => gateway.readiness().ready, 'the gateway is ready through the Sentinels');
    const url = `http://127.0.0.1:${gateway.port}`;

    const clients = [
      ...Array.from({ length: 6 }, () => new Client(url, 'steady')),
      ...Array.from({ length: 3 }, () => new Client(url, 'resumer')),
      ...Array.from({ length: 3 }, () => new Client(url, 'leaver')),
    ];
    const of = (role: Client['role']): Client[] => clients.filter((c) => c.role === role);
    let n = 0;
    let pushing = 0;
    let timer: NodeJS.Timeout | undefined;
    try {
      await Promise.all(clients.map((c) => c.login()));

      // Traffic: a request from every busy client every 200 ms, a push needing an ack every 40 ms.
      let tick = 0;
      timer = setInterval(() => {
        tick++;
        const busy = clients.filter((c) => c.traffic && c.sdk.connected);
        if (tick % 5 === 0) for (const c of busy) c.request(++n);
        const target = busy[tick % Math.max(busy.length, 1)];
        const clientId = target?.sdk.session?.clientId;
        if (target && clientId) {
          const id = `p-${++pushing}`;
          target.pushesSent.add(id);
          agent.push(clientId, { cn: PUSH_CN, correspondingMessageId: id }).catch((err: unknown) => target.failures.push(`push ${id}: ${String(err)}`));
        }
      }, 40);
      await sleep(1500);

      // Those that will drop or leave go quiet first and get everything owed to them: a reply
      // published to a queue the backend already moved would be lost by any gateway.
      for (const c of [...of('resumer'), ...of('leaver')]) c.traffic = false;
      await waitUntil(() => [...of('resumer'), ...of('leaver')].every((c) => c.settled), 'the quiet clients got every reply and push');
      const leaverKeys = of('leaver').map((c) => ({ key: c.key!, clientId: c.sdk.session!.clientId }));
      expect(leaverKeys.every(({ key }) => publicPart(key).userId === AGENT_USER.userId)).toBe(true);

      // The primary dies.
      const killedAt = Date.now();
      await primary.kill();
      for (const c of of('resumer')) c.sdk.drop();
      await Promise.all(of('leaver').map((c) => c.sdk.logout()));
      const loggedOutAt = Date.now();

      // The outage as the gateway saw it: until its store connection is ready again (on the new primary).
      let sawDown = false;
      await waitUntil(() => {
        const up = gateway.readiness().redis;
        if (!up) sawDown = true;
        return sawDown && up;
      }, 'the gateway reaches Redis again');
      const storeBackMs = Date.now() - killedAt;
      // The replica was promoted. The Sentinel that led the failover may not be the one asked, and
      // the others learn the new configuration from its hello messages (every 2 s): give them that.
      let newPrimary: string[] = [];
      await waitUntil(async () => {
        newPrimary = await ask<string[]>(SENTINELS[0]!, 'SENTINEL', 'GET-MASTER-ADDR-BY-NAME', MASTER);
        return newPrimary[1] === String(REPLICA);
      }, 'the Sentinels name the replica as the new primary', 10_000).catch(() => undefined);
      expect(newPrimary).toEqual(['127.0.0.1', String(REPLICA)]);

      // Every resumer is back, logged in, with the session it had.
      await waitUntil(() => of('resumer').every((c) => c.sdk.connected && c.sessions.some((s) => s.at > killedAt && s.change === 'restored')), 'every resumer restored its session');
      const restoredMs = of('resumer').map((c) => c.sessions.find((s) => s.at > killedAt && s.change === 'restored')!.at - killedAt);
      for (const c of of('resumer')) c.traffic = true;
      await sleep(1000);
      clearInterval(timer);
      timer = undefined;
      await waitUntil(() => clients.every((c) => c.settled), 'every request answered and every push delivered');

      const report = {
        at: new Date().toISOString(),
        clients: clients.length,
        requests: clients.reduce((s, c) => s + c.sent, 0),
        pushes: pushing,
        killToStoreBackMs: storeBackMs,
        killToFirstResumeMs: Math.min(...restoredMs),
        killToLastResumeMs: Math.max(...restoredMs),
        logoutsDuringOutageMs: loggedOutAt - killedAt,
        sentinelDownAfterMs: DOWN_AFTER_MS,
        storeAttemptsRefused: logger.lines.filter((l) => l.msg === 'revocation check failed: client asked to retry').length,
      };
      process.stdout.write(`[redis-sentinel] ${JSON.stringify(report)}\n`);
      const dir = join(process.cwd(), 'test-artifacts');
      mkdirSync(dir, { recursive: true });
      appendFileSync(join(dir, 'redis-sentinel.jsonl'), `${JSON.stringify(report)}\n`);

      // Nothing lost, nobody logged out by the failover.
      for (const c of clients) {
        expect(c.failures, `${c.role} failures`).toEqual([]);
        expect(c.answered, `${c.role} answered`).toBe(c.sent);
        expect([...c.pushesSent].filter((id) => !c.pushesGot.has(id)), `${c.role} pushes not delivered`).toEqual([]);
        expect(c.sessions.filter((s) => s.change === 'fresh'), `${c.role} sessions refused`).toEqual([]);
      }
      for (const c of of('steady')) expect(c.disconnects, 'a steady client was dropped').toBe(0);
      for (const c of of('resumer')) expect(c.sdk.session?.userId).toBe(AGENT_USER.userId);

      // The logouts: told to the backend, and revoked on the new primary although Redis was away.
      for (const { clientId } of leaverKeys) await agent.waitFor('disconnectAuth', (b) => b.clientId === clientId, WAIT_MS);
      await waitUntil(async () => (await ask<string[]>(REPLICA, 'KEYS', `${vhost}:revoked:*`)).length === leaverKeys.length, 'the revocations reach the new primary');
      for (const { key } of leaverKeys) {
        const s = await TestSocket.open(url);
        try {
          s.emit('message', { reconnect: { reconnectId: key } });
          expect((await s.next('gatewayError')).data).toMatchObject({ code: 'INVALID_RECONNECT_KEY' });
        } finally {
          s.close();
        }
      }
      expect(gateway.readiness()).toMatchObject({ ready: true, broker: true, redis: true });
    } finally {
      if (timer) clearInterval(timer);
      for (const c of clients) c.sdk.close();
    }
  }, 120_000);
});
