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

/** Client-supplied names are echoed and logged only this long. */
export const MAX_ECHOED_NAME = 128;

export function errorEmit(code: GatewayErrorCode, opts: { event?: string | undefined; messageId?: string | undefined; message?: string } = {}): EmitEffect {
  const event = opts.event !== undefined && opts.event.length > MAX_ECHOED_NAME ? opts.event.slice(0, MAX_ECHOED_NAME) : opts.event;
  return { type: 'emit', event: 'gatewayError', data: gatewayError(code, { ...opts, event }) };
}

/** At most one warning per message, however many unknown keys it had (§6). */
export function unknownKeysWarning(keys: readonly string[]): Effect {
  return warn('unknown special messages ignored', {
    count: keys.length,
    keys: keys.slice(0, 3).map((k) => (k.length > 32 ? `${k.slice(0, 32)}…` : k)),
  });
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
