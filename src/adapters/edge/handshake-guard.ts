import type { IncomingMessage, ServerResponse } from 'node:http';
import type { Duplex } from 'node:stream';
import type { Logger } from '../../application/ports.js';
import { clientAddressResolver, UNKNOWN_ADDRESS } from './client-address.js';
import { ConnectionLimiter, type ConnectionLease } from './connection-limiter.js';
import { OriginPolicy } from './origin-policy.js';

export interface HandshakeGuardOptions {
  /** See OriginPolicy: empty = the gateway's own origin only; `*` = any. */
  readonly allowedOrigins: readonly string[];
  /** Open connections per client address, both transports together; 0 = no limit. */
  readonly perAddress: number;
  /** New connections per second per client address; 0 = no limit. */
  readonly perAddressPerSecond: number;
  /** Proxies whose X-Forwarded-For is believed (addresses, CIDRs, `loopback`…); empty = none. */
  readonly trustedProxies: readonly string[];
}

export type Verdict =
  | { readonly ok: true; readonly lease: ConnectionLease }
  | { readonly ok: false; readonly status: 403 | 429; readonly reason: string };

const NO_LEASE: ConnectionLease = { release: () => undefined };

/**
 * The checks every new connection passes before a transport takes it, on
 * either transport: its Origin, then the per-address limits on open
 * connections and on the connection rate. A transport asks at its handshake
 * (a Socket.IO request without a session id, a WebSocket upgrade), answers
 * a refusal with its status (writeRefusal / writeUpgradeRefusal) and keeps
 * the lease until the connection closes. Refusals are logged at debug.
 */
export class HandshakeGuard {
  private readonly origins: OriginPolicy;
  private readonly limiter: ConnectionLimiter;
  private readonly addressOf: (req: IncomingMessage) => string;
  private readonly trustsProxies: boolean;
  private warnedForwarded = false;

  constructor(
    options: HandshakeGuardOptions,
    private readonly logger: Logger,
    private readonly now: () => number = Date.now,
  ) {
    this.origins = new OriginPolicy(options.allowedOrigins);
    this.limiter = new ConnectionLimiter(options);
    this.addressOf = clientAddressResolver(options.trustedProxies);
    this.trustsProxies = options.trustedProxies.length > 0;
  }

  admit(req: IncomingMessage, transport: string): Verdict {
    const originRefusal = this.origins.check(header(req, 'origin'), header(req, 'host'));
    if (originRefusal !== undefined) {
      this.logger.debug({ transport, origin: cut(header(req, 'origin')), reason: originRefusal }, 'connection refused: origin');
      return { ok: false, status: 403, reason: 'origin not allowed' };
    }
    if (!this.limiter.enabled) return { ok: true, lease: NO_LEASE };
    this.warnOnceAboutProxies(req);
    const address = this.addressOf(req);
    if (address === UNKNOWN_ADDRESS) {
      // A local hop with no client address (the supervisor terminating TLS): nothing to count against.
      this.warnOnceAboutUnknown();
      return { ok: true, lease: NO_LEASE };
    }
    const admission = this.limiter.tryOpen(address, this.now());
    if (admission.ok) return admission;
    const reason = admission.reason === 'too-many' ? 'too many connections from this address' : 'connecting too fast from this address';
    this.logger.debug({ transport, address, reason }, 'connection refused: per-address limit');
    return { ok: false, status: 429, reason };
  }

  private warnedUnknown = false;

  private warnOnceAboutUnknown(): void {
    if (this.warnedUnknown) return;
    this.warnedUnknown = true;
    this.logger.warn(
      'connections arrive without a client address (TLS terminated by the cluster supervisor): per-address limits cannot apply to them; terminate TLS at a load balancer and set frontend.trustProxy to keep them',
    );
  }

  /** Without trusted proxies every client behind a proxy shares its address: say so once. */
  private warnOnceAboutProxies(req: IncomingMessage): void {
    if (this.trustsProxies || this.warnedForwarded || req.headers['x-forwarded-for'] === undefined) return;
    this.warnedForwarded = true;
    this.logger.warn(
      { peer: req.socket.remoteAddress },
      'connections arrive with X-Forwarded-For but frontend.trustProxy is empty: per-address limits count the proxy, not its clients',
    );
  }
}

/** An HTTP refusal (a Socket.IO polling handshake). */
export function writeRefusal(res: ServerResponse, verdict: Extract<Verdict, { ok: false }>): void {
  const body = JSON.stringify({ message: verdict.reason });
  res.writeHead(verdict.status, {
    'Content-Type': 'application/json',
    'Content-Length': Buffer.byteLength(body),
    ...(verdict.status === 429 ? { 'Retry-After': '1' } : {}),
  });
  res.end(body);
}

/** A refusal written on the raw socket of an upgrade request, which is then closed. */
export function writeUpgradeRefusal(socket: Duplex, verdict: Extract<Verdict, { ok: false }>): void {
  socket.on('error', () => undefined);
  if (!socket.writable) {
    socket.destroy();
    return;
  }
  const status = verdict.status === 403 ? '403 Forbidden' : '429 Too Many Requests';
  socket.once('finish', () => socket.destroy());
  socket.end(
    `HTTP/1.1 ${status}\r\nConnection: close\r\nContent-Type: text/plain\r\n` +
      `${verdict.status === 429 ? 'Retry-After: 1\r\n' : ''}Content-Length: ${Buffer.byteLength(verdict.reason)}\r\n\r\n${verdict.reason}`,
  );
}

function header(req: IncomingMessage, name: 'origin' | 'host'): string | undefined {
  const value = req.headers[name];
  return typeof value === 'string' ? value : undefined;
}

/** Client-supplied text is logged cut short. */
function cut(value: string | undefined): string | undefined {
  return value !== undefined && value.length > 128 ? `${value.slice(0, 128)}…` : value;
}
