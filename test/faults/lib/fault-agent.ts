import { randomBytes } from 'node:crypto';
import amqp, { type Channel, type ChannelModel, type ConfirmChannel, type ConsumeMessage } from 'amqplib';

const AUTH = 'com.percero.agents.auth.vo.';
const SYNC = 'com.percero.agents.sync.vo.';
export const FAULT_PUSH_CN = `${SYNC}FaultPush`;
export const FAULT_USER = { username: 'demo', password: 'demo', userId: 'demo-user' } as const;

const AGENT_QUEUES = [
  'authenticateUserAccount', 'connect', 'reconnect', 'findById', 'testCall',
  'disconnect', 'disconnectAuth', 'hibernate', 'logout', 'logoutUser',
] as const;

/** Old queues swept on each ReconnectRequest (the key keeps 16; the backend would sweep all). */
const SWEEP_OLDS = 4;
const PUBLISH_TIMEOUT_MS = 15_000;

type Body = Record<string, unknown>;

/** One user-visible client across all its sessions: named by its first clientId. */
interface Logical {
  readonly id: string;
  current: string;
  readonly olds: string[];
  next: number;
  dueAt: number;
  busy: boolean;
  chain: Promise<void>;
}

export interface AgentCounts {
  /** Pushes needing an ack the broker confirmed as queued. */
  sent: number;
  /** Messages moved from old queues to new ones on ReconnectRequest. */
  moved: number;
  /** Publishes that failed (broker away, nacked) and were retried. */
  retried: number;
  connects: number;
  reconnectRequests: number;
}

/**
 * The backend as the fault runs need it, on amqplib: logs in demo/demo,
 * answers connect/reconnect (moving the old queues' messages into the new
 * one on ReconnectRequest, as ActiveStack does), and pushes `messages`
 * messages needing an ack to every client at `perSecond`, to whatever queue
 * is the client's current one. Pushes and moves of one client are
 * serialised, so no push lands in a queue after it was swept. Reconnects to
 * the broker by itself (broker-cut run).
 */
export class FaultAgent {
  private connection: ChannelModel | undefined;
  private channel: Channel | undefined;
  private publisher: ConfirmChannel | undefined;
  private stopped = false;
  private reconnecting: Promise<void> | undefined;
  private pushTimer: NodeJS.Timeout | undefined;
  private readonly byClientId = new Map<string, Logical>();
  private readonly logicals: Logical[] = [];
  private readonly sentIds = new Set<string>();
  private readonly returned = new Set<string>();
  private plan = { messages: 0, perSecond: 1 };
  readonly counts: AgentCounts = { sent: 0, moved: 0, retried: 0, connects: 0, reconnectRequests: 0 };

  private readonly urls: readonly string[];
  private urlIndex = 0;

  /** `url`: one broker, or several (a cluster) tried in turn when one fails. */
  private constructor(url: string | readonly string[], private readonly name: string) {
    this.urls = typeof url === 'string' ? [url] : url;
  }

  static async start(url: string | readonly string[], name = `asgw-fault-agent ${process.pid}`): Promise<FaultAgent> {
    const agent = new FaultAgent(url, name);
    await agent.open();
    return agent;
  }

  /** The broker URL of the current (or last) connection. */
  get url(): string {
    return this.urls[this.urlIndex % this.urls.length]!;
  }

  /** Stops pushing: what was sent so far is what the clients must get. */
  stopPushing(): void {
    this.plan = { ...this.plan, messages: 0 };
  }

  /** Starts pushing `messages` messages to every client known now or later, `perSecond` each. */
  startPushing(messages: number, perSecond: number): void {
    this.plan = { messages, perSecond };
    const now = Date.now();
    // Spread the clients over one period so the broker sees a steady rate, not bursts.
    for (const l of this.logicals) l.dueAt = now + Math.random() * (1000 / perSecond);
    this.pushTimer ??= setInterval(() => this.pushDue(), 20);
  }

  /** Logical ids (first clientIds) of every client that logged in. */
  clientIds(): string[] {
    return this.logicals.map((l) => l.id);
  }

  /** How many messages the broker confirmed as queued for that client. */
  sentTo(logicalId: string): number {
    const l = this.byClientId.get(logicalId);
    return l ? l.next : 0;
  }

  allSentIds(): ReadonlySet<string> {
    return this.sentIds;
  }

  /** True once every known client was sent all its messages. */
  doneSending(): boolean {
    return this.logicals.every((l) => l.next >= this.plan.messages);
  }

  doneSendingTo(logicalId: string): boolean {
    const l = this.byClientId.get(logicalId);
    return l !== undefined && l.next >= this.plan.messages;
  }

  isConnected(): boolean {
    return this.publisher !== undefined;
  }

  /** Messages left in queues no session of their client will read again (they would be lost). */
  async stranded(): Promise<{ messages: number; queues: string[] }> {
    const queues: string[] = [];
    let messages = 0;
    let ch = await this.conn().createChannel();
    ch.on('error', () => undefined);
    for (const l of this.logicals) {
      for (const q of l.olds) {
        try {
          const info = await ch.checkQueue(q);
          if (info.messageCount > 0) {
            messages += info.messageCount;
            queues.push(`${q} (${info.messageCount}, client ${l.id})`);
          }
        } catch {
          ch = await this.conn().createChannel();
          ch.on('error', () => undefined);
        }
      }
    }
    await ch.close().catch(() => undefined);
    return { messages, queues };
  }

  async stop(): Promise<void> {
    this.stopped = true;
    clearInterval(this.pushTimer);
    this.pushTimer = undefined;
    const conn = this.connection;
    this.connection = this.channel = this.publisher = undefined;
    await conn?.close().catch(() => undefined);
  }

  private conn(): ChannelModel {
    if (!this.connection) throw new Error('fault agent is not connected to RabbitMQ');
    return this.connection;
  }

  private async open(): Promise<void> {
    let conn: ChannelModel;
    try {
      conn = await amqp.connect(this.url, { noDelay: true, timeout: 5000, clientProperties: { connection_name: this.name } });
    } catch (err) {
      this.urlIndex++;
      throw err;
    }
    conn.on('error', () => undefined);
    conn.on('close', () => this.lost(conn));
    try {
      const channel = await conn.createChannel();
      channel.on('error', () => undefined);
      // High: a ReconnectRequest must be seen at once (it redirects new pushes),
      // even while earlier ones are still moving queued messages.
      await channel.prefetch(5000);
      const publisher = await conn.createConfirmChannel();
      publisher.on('error', () => undefined);
      publisher.on('return', (m: ConsumeMessage) => this.returned.add(String(m.properties.messageId)));
      for (const q of AGENT_QUEUES) {
        await channel.assertQueue(q, { durable: false, autoDelete: false, exclusive: false });
        await channel.consume(q, (m) => m && void this.serve(q, channel, m), { noAck: false });
      }
      this.connection = conn;
      this.channel = channel;
      this.publisher = publisher;
      this.counts.connects++;
    } catch (err) {
      await conn.close().catch(() => undefined);
      throw err;
    }
  }

  private lost(conn: ChannelModel): void {
    if (this.stopped || this.connection !== conn) return;
    this.connection = this.channel = this.publisher = undefined;
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

  private pushDue(): void {
    if (!this.publisher) return;
    const now = Date.now();
    const period = 1000 / this.plan.perSecond;
    for (const l of this.logicals) {
      if (l.busy || l.next >= this.plan.messages || l.dueAt > now) continue;
      l.busy = true;
      l.dueAt = Math.max(l.dueAt + period, now - period);
      void this.enqueue(l, async () => {
        const messageId = `${l.id}:${l.next}`;
        try {
          await this.publish(l.current, { cn: FAULT_PUSH_CN, correspondingMessageId: messageId, seq: l.next, client: l.id });
          this.sentIds.add(messageId);
          this.counts.sent++;
          l.next++;
        } catch {
          this.counts.retried++;
        } finally {
          l.busy = false;
        }
      });
    }
  }

  private enqueue(l: Logical, task: () => Promise<void>): Promise<void> {
    const run = l.chain.then(task, task);
    l.chain = run.catch(() => undefined);
    return run;
  }

  private async publish(queue: string, msg: Body): Promise<void> {
    const publisher = this.publisher;
    if (!publisher) throw new Error('not connected');
    const messageId = randomBytes(8).toString('hex');
    await new Promise<void>((resolve, reject) => {
      const timer = setTimeout(() => reject(new Error('confirm timed out')), PUBLISH_TIMEOUT_MS);
      try {
        publisher.publish('', queue, Buffer.from(JSON.stringify(msg)), { mandatory: true, contentType: 'application/json', messageId }, (err) => {
          clearTimeout(timer);
          if (err) reject(new Error('nacked'));
          else resolve();
        });
      } catch (err) {
        clearTimeout(timer);
        reject(err as Error);
      }
    });
    if (this.returned.delete(messageId)) throw new Error(`returned: no queue "${queue}"`);
  }

  private async serve(agent: string, channel: Channel, m: ConsumeMessage): Promise<void> {
    try {
      const body = JSON.parse(m.content.toString()) as Body;
      const reply = await this.reply(agent, body);
      const to = m.properties.replyTo as string | undefined;
      if (reply && to) await this.publish(to, reply).catch(() => undefined);
    } catch {
      // A body that is not JSON is dropped, as a backend would.
    } finally {
      if (channel === this.channel) channel.ack(m);
    }
  }

  private async reply(agent: string, b: Body): Promise<Body | undefined> {
    switch (agent) {
      case 'authenticateUserAccount': {
        const cred = (b.credential ?? b) as Body;
        const ok = cred.username === FAULT_USER.username && cred.password === FAULT_USER.password;
        return {
          cn: `${AUTH}AuthenticateUserAccountResponse`,
          correspondingMessageId: b.messageId,
          result: ok ? { user: { ID: FAULT_USER.userId }, token: randomBytes(16).toString('hex'), deviceId: 'fault-device' } : null,
        };
      }
      case 'connect':
        this.track(String(b.clientId));
        return { cn: `${SYNC}ConnectResponse`, clientId: b.clientId };
      case 'reconnect':
        await this.onReconnect(b);
        return { cn: `${SYNC}ReconnectResponse`, clientId: b.clientId, existingClientId: b.existingClientId };
      case 'findById':
        return { cn: `${SYNC}FindByIdResponse`, correspondingMessageId: b.messageId, result: { ID: b.theClassId ?? null } };
      case 'testCall':
        return { cn: `${SYNC}TestCallResponse`, correspondingMessageId: b.messageId, result: b };
      default:
        return undefined;
    }
  }

  private track(clientId: string): Logical {
    const known = this.byClientId.get(clientId);
    if (known) return known;
    const period = 1000 / this.plan.perSecond;
    const l: Logical = { id: clientId, current: clientId, olds: [], next: 0, dueAt: Date.now() + Math.random() * period, busy: false, chain: Promise.resolve() };
    this.byClientId.set(clientId, l);
    this.logicals.push(l);
    return l;
  }

  private async onReconnect(b: Body): Promise<void> {
    this.counts.reconnectRequests++;
    const to = String(b.clientId);
    const previous = [b.existingClientId, ...(Array.isArray(b.existingClientIds) ? [...b.existingClientIds].reverse() : [])]
      .filter((x): x is string => typeof x === 'string' && x !== to);
    const l = previous.map((id) => this.byClientId.get(id)).find((x) => x !== undefined) ?? this.track(to);
    if (l.current !== to) {
      if (!l.olds.includes(l.current)) l.olds.push(l.current);
      l.current = to;
      this.byClientId.set(to, l);
    }
    const sweep = [...new Set([...previous.slice(0, SWEEP_OLDS), ...l.olds.slice(-SWEEP_OLDS)])].filter((q) => q !== to);
    await this.enqueue(l, () => this.move(sweep, to));
  }

  private async move(froms: string[], to: string): Promise<void> {
    let ch = await this.conn().createChannel();
    ch.on('error', () => undefined);
    try {
      for (const from of froms) {
        try {
          for (let m = await ch.get(from, { noAck: false }); m; m = await ch.get(from, { noAck: false })) {
            await this.publish(to, JSON.parse(m.content.toString()) as Body);
            ch.ack(m);
            this.counts.moved++;
          }
        } catch {
          // Missing queue (the channel is closed by the broker) or broker gone: next one on a fresh channel.
          await ch.close().catch(() => undefined);
          ch = await this.conn().createChannel();
          ch.on('error', () => undefined);
        }
      }
    } finally {
      await ch.close().catch(() => undefined);
    }
  }
}
