import { execFile } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { promisify } from 'node:util';
import amqp, { type Channel, type ChannelModel, type ConfirmChannel, type ConsumeMessage } from 'amqplib';
import { RABBITMQ_URL } from './services.js';

const execFileAsync = promisify(execFile);

const AUTH = 'com.percero.agents.auth.vo.';
const SYNC = 'com.percero.agents.sync.vo.';

export const AGENT_USER = { username: 'demo', password: 'demo', userId: 'demo-user' } as const;

/** The agent queues the test agent serves; every other event has no agent (AGENT_UNAVAILABLE). */
export const AGENT_QUEUES = [
  'authenticateUserAccount', 'connect', 'reconnect', 'findById', 'testCall',
  'disconnect', 'disconnectAuth', 'hibernate', 'logout', 'logoutUser',
] as const;

export type Body = Record<string, unknown>;

export interface AmqpTestAgentOptions {
  /** Broker URL without vhost (default: services' RABBITMQ_URL). */
  url?: string;
  /** Virtual host: one per test file isolates its agent queues from every other agent. */
  vhost?: string;
  /** Must match the gateway's gateway.rabbitmq.durable (queue declarations must agree). */
  durable?: boolean;
  /** Shown by `rabbitmqctl list_connections client_properties`. */
  connectionName?: string;
  /** Reconnect and re-consume when the broker closes the connection (default true). */
  reconnect?: boolean;
}

/** amqp://user:pass@host:port/<vhost> */
export function vhostUrl(vhost: string, base: string = RABBITMQ_URL): string {
  return `${base.replace(/\/+$/, '').replace(/(amqps?:\/\/[^/]+)\/.*$/, '$1')}/${encodeURIComponent(vhost)}`;
}

/**
 * A test agent on amqplib that behaves like the ActiveStack backend: log-in
 * of demo/demo, connect, reconnect that moves the old queues' messages into
 * the new one, findById/testCall echo, a sink for disconnect, disconnectAuth,
 * hibernate and logout, and pushes/EOL on demand. Records every request.
 */
export class AmqpTestAgent {
  private connection: ChannelModel | undefined;
  private channel: Channel | undefined;
  private publisher: ConfirmChannel | undefined;
  private stopped = false;
  private reconnecting: Promise<void> | undefined;
  private readonly requests = new Map<string, Body[]>();
  private readonly waiters: Array<{ agent: string; match: (b: Body) => boolean; resolve: (b: Body) => void }> = [];
  /** Message ids of our publishes the broker returned as unroutable. */
  private readonly returned = new Set<string>();
  /** Connections made so far (1 + reconnects). */
  connects = 0;
  /** Messages moved by reconnects so far. */
  movedCount = 0;

  private constructor(
    readonly url: string,
    private readonly opts: AmqpTestAgentOptions,
  ) {}

  static async start(opts: AmqpTestAgentOptions = {}): Promise<AmqpTestAgent> {
    const url = vhostUrl(opts.vhost ?? '/', opts.url ?? RABBITMQ_URL);
    const agent = new AmqpTestAgent(url, opts);
    await agent.open();
    return agent;
  }

  /** Requests received by one agent queue, oldest first. */
  received(agent: string): Body[] {
    return this.requests.get(agent) ?? [];
  }

  /** The first request to `agent` (already received or to come) that matches. */
  waitFor(agent: string, match: (b: Body) => boolean = () => true, timeoutMs = 5000): Promise<Body> {
    const seen = this.received(agent).find(match);
    if (seen) return Promise.resolve(seen);
    return new Promise((resolve, reject) => {
      const waiter = {
        agent,
        match,
        resolve: (b: Body) => {
          clearTimeout(timer);
          resolve(b);
        },
      };
      const timer = setTimeout(() => {
        this.waiters.splice(this.waiters.indexOf(waiter), 1);
        reject(new Error(`agent "${agent}" got no matching request; got ${JSON.stringify(this.received(agent)).slice(0, 1500)}`));
      }, timeoutMs);
      this.waiters.push(waiter);
    });
  }

  /** Publishes `msg` to the client's reply queue; resolves once the broker confirmed it was queued. */
  async push(clientId: string, msg: Body): Promise<void> {
    await this.publish(clientId, msg, 'push');
  }

  /** Ends the client from the server side (PROTOCOL §3.3 EOL). */
  async eol(clientId: string): Promise<void> {
    await this.publish(clientId, { EOL: true, clientId }, 'push');
  }

  /** Ready messages and consumers of a queue; undefined when it does not exist. */
  async queueInfo(queue: string): Promise<{ messages: number; consumers: number } | undefined> {
    const ch = await this.conn().createChannel();
    ch.on('error', () => undefined);
    try {
      const q = await ch.checkQueue(queue);
      return { messages: q.messageCount, consumers: q.consumerCount };
    } catch {
      return undefined;
    } finally {
      await ch.close().catch(() => undefined);
    }
  }

  async stop(): Promise<void> {
    this.stopped = true;
    const conn = this.connection;
    this.connection = this.channel = this.publisher = undefined;
    await conn?.close().catch(() => undefined);
  }

  private conn(): ChannelModel {
    if (!this.connection) throw new Error('test agent is not connected to RabbitMQ');
    return this.connection;
  }

  private async open(): Promise<void> {
    const name = this.opts.connectionName ?? `asgw-test-agent pid ${process.pid}`;
    const conn = await amqp.connect(this.url, { noDelay: true, timeout: 5000, clientProperties: { connection_name: name } });
    conn.on('error', () => undefined);
    conn.on('close', () => this.lost(conn));
    const channel = await conn.createChannel();
    await channel.prefetch(50);
    const publisher = await conn.createConfirmChannel();
    // A push to a missing client queue must fail the push, not vanish.
    publisher.on('return', (m: ConsumeMessage) => this.returned.add(String(m.properties.messageId)));
    for (const agent of AGENT_QUEUES) {
      await channel.assertQueue(agent, { durable: this.opts.durable ?? false, autoDelete: false, exclusive: false });
      await channel.consume(agent, (m) => m && void this.serve(agent, m), { noAck: false });
    }
    this.connection = conn;
    this.channel = channel;
    this.publisher = publisher;
    this.connects++;
  }

  private lost(conn: ChannelModel): void {
    if (this.stopped || this.connection !== conn) return;
    this.connection = this.channel = this.publisher = undefined;
    if (this.opts.reconnect === false) return;
    this.reconnecting ??= (async () => {
      for (let delay = 50; !this.stopped; delay = Math.min(delay * 2, 1000)) {
        try {
          await this.open();
          if (this.stopped) await this.stop();
          break;
        } catch {
          await new Promise((r) => setTimeout(r, delay));
        }
      }
      this.reconnecting = undefined;
    })();
  }

  private async publish(queue: string, msg: Body, why: string): Promise<void> {
    const publisher = this.publisher;
    if (!publisher) throw new Error(`test agent cannot ${why} to "${queue}": not connected`);
    const messageId = randomBytes(8).toString('hex');
    await new Promise<void>((resolve, reject) => {
      publisher.publish('', queue, Buffer.from(JSON.stringify(msg)), {
        mandatory: true,
        contentType: 'application/json',
        messageId,
      }, (err) => (err ? reject(new Error(`${why} to "${queue}" nacked`, { cause: err })) : resolve()));
    });
    // basic.return arrives before the confirm of the same message.
    if (this.returned.delete(messageId)) throw new Error(`${why} to "${queue}" returned: no such queue`);
  }

  private async serve(agent: string, m: ConsumeMessage): Promise<void> {
    const channel = this.channel;
    let body: Body;
    try {
      body = JSON.parse(m.content.toString()) as Body;
    } catch {
      channel?.ack(m);
      return;
    }
    const list = this.requests.get(agent) ?? [];
    list.push(body);
    this.requests.set(agent, list);
    for (const w of this.waiters.filter((x) => x.agent === agent && x.match(body))) {
      this.waiters.splice(this.waiters.indexOf(w), 1);
      w.resolve(body);
    }
    try {
      const reply = await this.reply(agent, body);
      const to = m.properties.replyTo as string | undefined;
      if (reply && to) await this.publish(to, reply, `reply of ${agent}`).catch(() => undefined);
    } finally {
      if (channel === this.channel) channel?.ack(m);
    }
  }

  private async reply(agent: string, b: Body): Promise<Body | undefined> {
    switch (agent) {
      case 'authenticateUserAccount':
        return this.authenticate(b);
      case 'connect':
        return { cn: `${SYNC}ConnectResponse`, clientId: b.clientId };
      case 'reconnect':
        await this.moveOldQueues(b);
        return { cn: `${SYNC}ReconnectResponse`, clientId: b.clientId, existingClientId: b.existingClientId };
      case 'findById':
        return {
          cn: `${SYNC}FindByIdResponse`,
          correspondingMessageId: b.messageId,
          result: { ID: b.theClassId ?? b.ID ?? null, cn: b.theClassName ?? null, owner: b.userId ?? null },
        };
      case 'testCall':
        return { cn: `${SYNC}TestCallResponse`, correspondingMessageId: b.messageId, result: b };
      default:
        return undefined;
    }
  }

  private authenticate(b: Body): Body {
    const cred = (b.credential ?? b) as Body;
    const ok = cred.username === AGENT_USER.username && cred.password === AGENT_USER.password;
    return {
      cn: `${AUTH}AuthenticateUserAccountResponse`,
      correspondingMessageId: b.messageId,
      result: ok
        ? { user: { ID: AGENT_USER.userId }, token: randomBytes(16).toString('hex'), deviceId: typeof b.deviceId === 'string' ? b.deviceId : 'test-device' }
        : null,
    };
  }

  /** What the backend does on ReconnectRequest: every ready message of the old queues goes to the new one. */
  private async moveOldQueues(b: Body): Promise<number> {
    const to = String(b.clientId);
    const olds = new Set([...(Array.isArray(b.existingClientIds) ? b.existingClientIds : []), b.existingClientId]);
    let moved = 0;
    for (const from of olds) {
      if (typeof from !== 'string' || from === to) continue;
      // A get on a missing queue closes the channel: use a throwaway one.
      const ch = await this.conn().createChannel();
      ch.on('error', () => undefined);
      try {
        for (let m = await ch.get(from, { noAck: false }); m; m = await ch.get(from, { noAck: false })) {
          await this.publish(to, JSON.parse(m.content.toString()) as Body, 'move');
          ch.ack(m);
          moved++;
          this.movedCount++;
        }
      } catch {
        // The old queue is gone: nothing to move.
      } finally {
        await ch.close().catch(() => undefined);
      }
    }
    return moved;
  }
}

// ------------------------------------------------------------- vhosts

async function rabbitmqctl(...args: string[]): Promise<string> {
  try {
    return (await execFileAsync('rabbitmqctl', args)).stdout;
  } catch (err) {
    throw new Error(`rabbitmqctl ${args.join(' ')} failed — is RabbitMQ running (\`rabbitmq-server -detached\`)?`, { cause: err });
  }
}

/** A unique vhost name: `asgw-e2e-<name>-<random>`. */
export function testVhostName(name: string): string {
  return `asgw-e2e-${name}-${randomBytes(3).toString('hex')}`;
}

/**
 * A fresh vhost guest may use: isolates one test file's agent queues from
 * every other agent (two agents on one queue would share its requests
 * round-robin). rabbitmqctl takes seconds per call, so create once per file.
 */
export async function createVhost(vhost: string): Promise<void> {
  await rabbitmqctl('add_vhost', vhost);
  await rabbitmqctl('set_permissions', '-p', vhost, 'guest', '.*', '.*', '.*');
}

export async function deleteVhost(vhost: string): Promise<void> {
  await rabbitmqctl('delete_vhost', vhost).catch(() => undefined);
}

/** Ready and unacknowledged message counts of a queue, as the broker sees them. */
export async function queueCounts(vhost: string, queue: string): Promise<{ ready: number; unacked: number } | undefined> {
  const out = await rabbitmqctl('list_queues', '-p', vhost, '-q', '--no-table-headers', 'name', 'messages_ready', 'messages_unacknowledged');
  for (const line of out.split('\n')) {
    const [name, ready, unacked] = line.trim().split('\t');
    if (name === queue) return { ready: Number(ready), unacked: Number(unacked) };
  }
  return undefined;
}

/** Logs a started socket in as the agent's demo user (acking the response), waits for the ConnectResponse; returns the logged-in key. */
export async function loginDemo(s: { emit(e: string, p?: unknown): void; next(e: string, m?: (d: any) => boolean, t?: number): Promise<{ data: unknown }> }, messageId = 'login'): Promise<string> {
  s.emit('authenticateUserAccount', { credential: { username: AGENT_USER.username, password: AGENT_USER.password }, messageId });
  await s.next('push', (m) => m.correspondingMessageId === messageId);
  s.emit('message', { ack: { correspondingMessageId: messageId } });
  const key = (await s.next('gatewayConnectAck', (k: string) => k.includes(';') && publicUserId(k) === AGENT_USER.userId)).data as string;
  // The agent answers the ConnectRequest that follows a log-in; wait for it so it is not left queued.
  await s.next('push', (m) => typeof m?.cn === 'string' && m.cn.endsWith('.ConnectResponse'));
  return key;
}

function publicUserId(key: string): string | undefined {
  return (JSON.parse(Buffer.from(key.split(';')[0]!, 'base64').toString('utf8')) as { userId?: string }).userId;
}
