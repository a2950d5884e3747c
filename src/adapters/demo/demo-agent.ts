import { randomBytes } from 'node:crypto';
import type { Consumer, Delivery, Logger, MessageBus } from '../../application/ports.js';

/** Moves the ready messages of one queue to another (the backend does this on reconnect). */
export interface QueueMover {
  moveQueue(from: string, to: string): number;
}

const AUTH = 'com.percero.agents.auth.vo.';
const SYNC = 'com.percero.agents.sync.vo.';

export const DEMO_USER = { username: 'demo', password: 'demo', userId: 'demo-user' } as const;

type Body = Record<string, unknown>;

/**
 * A tiny ActiveStack backend for embedded mode and tests: log-in of the demo
 * user, connect, reconnect that moves the old queue's messages, findById
 * echo, and a sink for disconnect/hibernate/logout. Not for production.
 */
export class DemoAgent {
  private consumers: Consumer[] = [];
  /** Requests received per agent, for tests and the demo page. */
  readonly received = new Map<string, Body[]>();

  constructor(
    private readonly bus: MessageBus & QueueMover,
    private readonly log: Logger,
  ) {}

  async start(): Promise<void> {
    const handlers: Record<string, (body: Body, replyTo: string | undefined) => Body | undefined> = {
      authenticateUserAccount: (b) => this.authenticate(b),
      connect: (b) => ({ cn: `${SYNC}ConnectResponse`, clientId: b.clientId }),
      reconnect: (b) => this.reconnect(b),
      findById: (b) => this.findById(b),
      testCall: (b) => ({ cn: `${SYNC}TestCallResponse`, correspondingMessageId: b.messageId, result: b }),
      disconnect: () => undefined,
      disconnectAuth: () => undefined,
      hibernate: () => undefined,
      logout: () => undefined,
      logoutUser: () => undefined,
    };
    for (const [agent, handle] of Object.entries(handlers)) {
      this.consumers.push(
        await this.bus.consume(agent, {
          onDelivery: (d) => this.serve(agent, d, handle),
          onCancelled: () => this.log.warn({ agent }, 'demo agent queue deleted'),
        }),
      );
    }
  }

  async stop(): Promise<void> {
    const consumers = this.consumers;
    this.consumers = [];
    await Promise.all(consumers.map((c) => c.cancel()));
  }

  private serve(agent: string, d: Delivery, handle: (b: Body, replyTo: string | undefined) => Body | undefined): void {
    let body: Body;
    try {
      body = JSON.parse(d.body.toString()) as Body;
    } catch {
      d.ack();
      return;
    }
    const list = this.received.get(agent) ?? [];
    list.push(body);
    if (list.length > 1000) list.shift();
    this.received.set(agent, list);
    const reply = handle(body, d.replyTo);
    d.ack();
    if (reply === undefined || d.replyTo === undefined) return;
    this.bus.publish(d.replyTo, Buffer.from(JSON.stringify(reply)), { replyTo: agent }).catch((err: unknown) => {
      this.log.debug({ err, agent }, 'demo agent reply not delivered (client gone)');
    });
  }

  private authenticate(b: Body): Body {
    const cred = (b.credential ?? b) as Body;
    const ok = cred.username === DEMO_USER.username && cred.password === DEMO_USER.password;
    return {
      cn: `${AUTH}AuthenticateUserAccountResponse`,
      correspondingMessageId: b.messageId,
      result: ok
        ? {
            user: { ID: DEMO_USER.userId },
            token: randomBytes(16).toString('hex'),
            deviceId: typeof b.deviceId === 'string' ? b.deviceId : 'demo-device',
          }
        : null,
    };
  }

  private reconnect(b: Body): Body {
    const to = String(b.clientId);
    const olds = Array.isArray(b.existingClientIds) ? b.existingClientIds : [b.existingClientId];
    let moved = 0;
    for (const from of olds) if (typeof from === 'string' && from !== to) moved += this.bus.moveQueue(from, to);
    this.log.debug({ moved }, 'demo agent moved queued messages on reconnect');
    return { cn: `${SYNC}ReconnectResponse`, clientId: to, existingClientId: b.existingClientId };
  }

  private findById(b: Body): Body {
    return {
      cn: `${SYNC}FindByIdResponse`,
      correspondingMessageId: b.messageId,
      result: { ID: b.theClassId ?? b.ID ?? null, cn: b.theClassName ?? null, owner: b.userId ?? null },
    };
  }
}
