import { AgentRouter } from '../../../src/domain/agent-router.js';
import { Client, type ClientOptions } from '../../../src/domain/client.js';
import type { CloseReason } from '../../../src/domain/close-reasons.js';
import { isAwaited, type Effect, type EmitEffect, type Outcome, type PublishEffect } from '../../../src/domain/effects.js';
import type { InboundLimitOptions } from '../../../src/domain/inbound-limits.js';
import { ReconnectKeyCodec } from '../../../src/domain/reconnect-key.js';
import type { SessionState } from '../../../src/domain/session.js';

export const NOW = 1_700_000_000_000;
export const CLIENT_ID = 'aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa';
export const keys = new ReconnectKeyCodec({ secret: 'test-secret-for-domain-tests', maxAgeMs: 7 * 86_400_000 });

/** A key for `state`, as a gateway sharing the secret would have sealed it. */
export const sealed = (state: SessionState, at = NOW): string => keys.seal(state, at);

/** How the driver answers awaited effects (the ports' results). */
export interface Outcomes {
  consumed: boolean;
  revocation: 'valid' | 'revoked' | 'unavailable';
  revoked: boolean;
}

type DriverOptions = Partial<Omit<ClientOptions, 'limits'>> & { limits?: Partial<InboundLimitOptions> };

/**
 * Drives a Client as the runner would, but synchronously: every awaited
 * effect is answered at once with `outcomes`, and the effects of one input
 * (including what followed the awaited ones) come back as one list.
 */
export class ClientDriver {
  readonly client: Client;
  outcomes: Outcomes = { consumed: true, revocation: 'valid', revoked: true };

  constructor(options: DriverOptions = {}, clientId = CLIENT_ID) {
    this.client = new Client({
      clientId,
      router: new AgentRouter(),
      keys,
      now: NOW,
      options: {
        resendIntervalMs: options.resendIntervalMs ?? 1000,
        maxResends: options.maxResends ?? 3,
        limits: { maxPayloadBytes: 1_000_000, burst: 10_000, perSecond: 10_000, disconnectAfter: 20, ...options.limits },
      },
    });
  }

  get clientId(): string { return this.client.clientId; }
  get session() { return this.client.session; }
  get started(): boolean { return this.client.started; }
  get closed(): boolean { return this.client.closed; }
  get heldCount(): number { return this.client.heldCount; }

  setResendInterval(ms: number): void { this.client.setResendInterval(ms); }

  handleMessage(payload: unknown, now = NOW): Effect[] {
    return this.drive(this.client.receive({ event: 'message', payload, bytes: 10, binary: false }, now), now);
  }

  handleEvent(event: string, payload: unknown, now = NOW): Effect[] {
    return this.drive(this.client.receive({ event, payload, bytes: 10, binary: false }, now), now);
  }

  handleDelivery(delivery: unknown, body: Buffer | string, now = NOW): Effect[] {
    return this.drive(this.client.delivery(delivery, body, now), now);
  }

  handleConsumerCancelled(now = NOW, queueDeleted = true): Effect[] {
    return this.drive(this.client.consumerCancelled(now, queueDeleted), now);
  }

  tick(now = NOW): Effect[] {
    return this.drive(this.client.timerFired(now), now);
  }

  /** The socket closed (whoever closed it). */
  close(now = NOW): Effect[] {
    return this.drive(this.client.socketClosed(now), now);
  }

  serverClose(reason: CloseReason): Effect[] {
    return this.drive(this.client.serverClose(reason, NOW), NOW);
  }

  private drive(first: Effect[], now: number): Effect[] {
    const all = [...first];
    let last = all.at(-1);
    while (last && isAwaited(last) && this.client.busy) {
      const next = this.client.resume(this.outcomeOf(last), now);
      all.push(...next);
      last = next.at(-1);
    }
    return all;
  }

  private outcomeOf(effect: Effect): Outcome {
    switch (effect.type) {
      case 'consume': return { type: 'consumed', ok: this.outcomes.consumed };
      case 'checkRevocation': return { type: 'revocation', result: this.outcomes.revocation };
      case 'revoke': return { type: 'revoked', ok: this.outcomes.revoked };
      default: return { type: 'cancelled' };
    }
  }
}

export function makeClient(options: DriverOptions = {}, clientId = CLIENT_ID): ClientDriver {
  return new ClientDriver(options, clientId);
}

export function startedClient(options: DriverOptions = {}): ClientDriver {
  const c = makeClient(options);
  c.handleMessage({ connect: {} }, NOW);
  return c;
}

export function userToken(userId: string, extra: Record<string, unknown> = {}): string {
  return JSON.stringify({ cn: 'com.percero.agents.auth.vo.UserToken', user: { ID: userId }, token: `tok-${userId}`, deviceId: 'dev', ...extra });
}

export function loggedInClient(options: DriverOptions = {}): ClientDriver {
  const c = startedClient(options);
  c.handleDelivery('login-delivery', userToken('u1'), NOW);
  return c;
}

export const types = (effects: Effect[]): string[] => effects.map((e) => e.type);

export function emits(effects: Effect[], event?: EmitEffect['event']): EmitEffect[] {
  return effects.filter((e): e is EmitEffect => e.type === 'emit' && (event === undefined || e.event === event));
}

export function errorCodes(effects: Effect[]): string[] {
  return emits(effects, 'gatewayError').map((e) => (e.data as { code: string }).code);
}

export function publishes(effects: Effect[], routingKey?: string): PublishEffect[] {
  return effects.filter((e): e is PublishEffect => e.type === 'publish' && (routingKey === undefined || e.routingKey === routingKey));
}

/** The key of the last gatewayConnectAck, opened. */
export function lastKeyState(effects: Effect[], now = NOW) {
  const acks = emits(effects, 'gatewayConnectAck');
  const last = acks.at(-1);
  if (!last) throw new Error('no gatewayConnectAck emitted');
  const opened = keys.open(last.data, now);
  if (!opened.ok) throw new Error(`key did not open: ${opened.reason}`);
  return opened.state;
}
