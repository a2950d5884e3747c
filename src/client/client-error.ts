/**
 * Codes the SDK adds to the gateway's own (PROTOCOL §6), which it passes
 * through unchanged.
 */
export type ClientErrorCode =
  | 'TIMEOUT'
  | 'QUEUE_FULL'
  | 'CLOSED'
  | 'NOT_CONNECTED'
  | 'CONNECT_FAILED'
  | 'BAD_KEY'
  | (string & {});

/** Every error the SDK rejects with or emits; `code` is stable, `message` is for people. */
export class ActiveStackError extends Error {
  readonly code: ClientErrorCode;
  readonly event?: string;
  readonly messageId?: string;

  constructor(
    code: ClientErrorCode,
    message: string,
    details: { event?: string; messageId?: string; cause?: unknown } = {},
  ) {
    super(message, details.cause === undefined ? undefined : { cause: details.cause });
    this.name = 'ActiveStackError';
    this.code = code;
    if (details.event !== undefined) this.event = details.event;
    if (details.messageId !== undefined) this.messageId = details.messageId;
  }
}

export function closedError(event?: string, messageId?: string): ActiveStackError {
  const details: { event?: string; messageId?: string } = {};
  if (event !== undefined) details.event = event;
  if (messageId !== undefined) details.messageId = messageId;
  return new ActiveStackError('CLOSED', 'The client was closed.', details);
}
