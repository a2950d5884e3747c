/**
 * Why a client's socket closed (PROTOCOL §8). Every reason but
 * `client-gone` is the server's: the client is told with `gatewayDisconnect
 * {reason, resumable}` just before its socket closes.
 */
export type CloseReason =
  | 'client-gone' // the client closed or the network dropped: nothing is sent
  | 'logout' // §2.4, on this socket or everywhere the login lived
  | 'eol' // agent sent EOL, or the broker cancelled the consumer
  | 'resend-limit' // client never acked (frontend.maxResends)
  | 'rate-limited' // kept flooding after RATE_LIMITED / PAYLOAD_TOO_LARGE
  | 'store-unavailable' // a reconnect key could not be checked for revocation: retry with it
  | 'broker-unavailable' // the reply queue could not be consumed: retry with the key
  | 'server-shutdown'; // drain on restart/shutdown

/** The server-side reasons, in the order of PROTOCOL §8 (plus broker-unavailable). */
export const SERVER_CLOSE_REASONS = [
  'logout',
  'eol',
  'resend-limit',
  'rate-limited',
  'store-unavailable',
  'broker-unavailable',
  'server-shutdown',
] as const satisfies readonly CloseReason[];

/** After these the client should come back with its reconnect key. */
export const RESUMABLE_CLOSE_REASONS: ReadonlySet<CloseReason> = new Set<CloseReason>([
  'client-gone',
  'resend-limit',
  'store-unavailable',
  'broker-unavailable',
  'server-shutdown',
]);

export function isResumable(reason: CloseReason): boolean {
  return RESUMABLE_CLOSE_REASONS.has(reason);
}

/** The payload of `gatewayDisconnect`. */
export interface DisconnectNotice {
  readonly reason: CloseReason;
  readonly resumable: boolean;
}
