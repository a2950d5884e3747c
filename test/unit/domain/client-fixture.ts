import { AgentRouter } from '../../../src/domain/agent-router.js';
import { Client, type ClientOptions } from '../../../src/domain/client.js';
import type { Effect, EmitEffect, PublishEffect } from '../../../src/domain/effects.js';
import { ReconnectKeyCodec } from '../../../src/domain/reconnect-key.js';

export const NOW = 1_700_000_000_000;
export const CLIENT_ID = 'aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa';
export const keys = new ReconnectKeyCodec({ secret: 'test-secret-for-domain-tests', maxAgeMs: 7 * 86_400_000 });

export function makeClient(options: Partial<ClientOptions> = {}, clientId = CLIENT_ID): Client {
  return new Client({
    clientId,
    router: new AgentRouter(),
    keys,
    options: { resendIntervalMs: 1000, maxResends: 3, sessionMaxAgeMs: 7 * 86_400_000, ...options },
  });
}

export function startedClient(options: Partial<ClientOptions> = {}): Client {
  const c = makeClient(options);
  c.handleMessage({ connect: {} }, NOW);
  return c;
}

export function userToken(userId: string, extra: Record<string, unknown> = {}): string {
  return JSON.stringify({ cn: 'com.percero.agents.auth.vo.UserToken', user: { ID: userId }, token: `tok-${userId}`, deviceId: 'dev', ...extra });
}

export function loggedInClient(options: Partial<ClientOptions> = {}): Client {
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
