/** The client-facing error catalogue (PROTOCOL §6). Codes are stable. */
export const GATEWAY_ERROR_CODES = [
  'BAD_REQUEST',
  'NOT_CONNECTED',
  'UNAUTHENTICATED',
  'UNKNOWN_EVENT',
  'INVALID_RECONNECT_KEY',
  'AGENT_UNAVAILABLE',
  'RATE_LIMITED',
  'PAYLOAD_TOO_LARGE',
] as const;

export type GatewayErrorCode = (typeof GATEWAY_ERROR_CODES)[number];

export interface GatewayError {
  readonly code: GatewayErrorCode;
  readonly message: string;
  readonly event?: string;
  readonly messageId?: string;
}

const MESSAGES: Record<GatewayErrorCode, string> = {
  BAD_REQUEST: 'The request is malformed.',
  NOT_CONNECTED: 'Send a connect or reconnect message first.',
  UNAUTHENTICATED: 'This event needs a logged-in session.',
  UNKNOWN_EVENT: 'This event is not known to the gateway.',
  INVALID_RECONNECT_KEY: 'The reconnect key is invalid or expired; a new session was started.',
  AGENT_UNAVAILABLE: 'The request could not be delivered to the backend.',
  RATE_LIMITED: 'Too many messages; slow down.',
  PAYLOAD_TOO_LARGE: 'The payload is too large.',
};

export function gatewayError(
  code: GatewayErrorCode,
  opts: { event?: string | undefined; messageId?: string | undefined; message?: string | undefined } = {},
): GatewayError {
  const err: { -readonly [K in keyof GatewayError]: GatewayError[K] } = {
    code,
    message: opts.message ?? MESSAGES[code],
  };
  if (opts.event !== undefined) err.event = opts.event;
  if (opts.messageId !== undefined) err.messageId = opts.messageId;
  return err;
}
