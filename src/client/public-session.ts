import { ActiveStackError } from './client-error.js';
import type { PublicSession } from './types.js';

/**
 * Reads the informational part of a reconnect key: standard base64 JSON
 * before the `;` (PROTOCOL §4). The sealed part is the gateway's business.
 */
export function decodePublicSession(key: string): PublicSession {
  const cut = key.indexOf(';');
  const encoded = cut === -1 ? key : key.slice(0, cut);
  let parsed: unknown;
  try {
    const binary = atob(encoded);
    const bytes = Uint8Array.from(binary, (ch) => ch.charCodeAt(0));
    parsed = JSON.parse(new TextDecoder().decode(bytes));
  } catch (cause) {
    throw new ActiveStackError('BAD_KEY', 'The reconnect key has no readable public part.', { cause });
  }
  if (typeof parsed !== 'object' || parsed === null) {
    throw new ActiveStackError('BAD_KEY', 'The reconnect key has no readable public part.');
  }
  const fields = parsed as Record<string, unknown>;
  if (typeof fields.clientId !== 'string') {
    throw new ActiveStackError('BAD_KEY', 'The reconnect key names no clientId.');
  }
  const session: { -readonly [K in keyof PublicSession]: PublicSession[K] } = { clientId: fields.clientId };
  if (typeof fields.userId === 'string') session.userId = fields.userId;
  if (typeof fields.deviceId === 'string') session.deviceId = fields.deviceId;
  if (typeof fields.savedAt === 'number') session.savedAt = fields.savedAt;
  return session;
}
