import type { Effect, EmitEffect } from './effects.js';
import { gatewayError, type GatewayErrorCode } from './errors.js';
import { isPlainObject, stringField, type PlainObject } from './plain-object.js';

/** Small pure helpers for Client: reading its inputs, shaping its effects. */

/**
 * The reconnectId of a `message` payload's `reconnect` value, when well
 * formed. The application opens and revocation-checks it (I/O) before
 * handing the result to handleMessage.
 */
export function reconnectIdOf(payload: unknown): string | undefined {
  if (!isPlainObject(payload)) return undefined;
  const value = Object.prototype.hasOwnProperty.call(payload, 'reconnect') ? payload.reconnect : undefined;
  if (!isPlainObject(value)) return undefined;
  return stringField(value, 'reconnectId');
}

export function errorEmit(code: GatewayErrorCode, opts: { event?: string; messageId?: string } = {}): EmitEffect {
  return { type: 'emit', event: 'gatewayError', data: gatewayError(code, opts) };
}

export function warn(message: string, detail?: Record<string, unknown>): Effect {
  return detail ? { type: 'log', level: 'warn', message, detail } : { type: 'log', level: 'warn', message };
}

/** A delivery body as a plain object, or undefined when it is not JSON of one. */
export function parseBody(body: Buffer | string): PlainObject | undefined {
  try {
    const value: unknown = JSON.parse(typeof body === 'string' ? body : body.toString('utf8'));
    return isPlainObject(value) ? value : undefined;
  } catch {
    return undefined;
  }
}
